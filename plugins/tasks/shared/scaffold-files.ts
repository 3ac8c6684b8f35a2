import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../../../core/errors.ts';
import type { ScaffoldFiles } from '../../../core/ports/task.ts';

/** Reads every .mjs/.js/.json file of a scaffold folder (flat) into ScaffoldFiles, plus generated extras. */
export function readScaffoldDir(
  taskId: string,
  dir: string | URL,
  entry: string,
  extraFiles: Record<string, string> = {},
): ScaffoldFiles {
  const path = dir instanceof URL ? fileURLToPath(dir) : dir;
  const files: Record<string, string> = {};
  for (const name of readdirSync(path).sort()) {
    if (/\.(mjs|js|json)$/.test(name)) files[name] = readFileSync(join(path, name), 'utf8');
  }
  Object.assign(files, extraFiles);
  if (!(entry in files)) throw new PluginError(taskId, `reference scaffold entry ${entry} not found in ${path}`);
  return { entry, files };
}
