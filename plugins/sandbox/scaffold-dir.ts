/** Lays a run's scaffold out on disk: a fresh temp dir with the scaffold files (read-only to the child) and a scratch dir. */
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { ScaffoldFiles } from '../../core/ports/task.ts';

export interface RunDirs {
  root: string;
  scaffoldDir: string;
  scratchDir: string;
}

/** A scaffold file name that is absolute or climbs out of its folder; null when every name is safe. */
export function unsafeScaffoldPath(scaffold: ScaffoldFiles): string | null {
  for (const name of Object.keys(scaffold.files)) {
    const normalised = normalize(name);
    if (!name || isAbsolute(name) || normalised === '..' || normalised.startsWith(`..${sep}`) || name.includes('\0')) return name;
  }
  return null;
}

export function createRunDirs(tempRoot: string | undefined): RunDirs {
  // realpath: the permission model compares resolved paths (macOS /tmp is a symlink).
  const root = mkdtempSync(join(realpathSync(tempRoot ?? tmpdir()), 'sia-sandbox-'));
  const dirs = { root, scaffoldDir: join(root, 'scaffold'), scratchDir: join(root, 'scratch') };
  mkdirSync(dirs.scaffoldDir);
  mkdirSync(dirs.scratchDir);
  return dirs;
}

export function writeScaffold(scaffoldDir: string, scaffold: ScaffoldFiles): void {
  for (const [name, content] of Object.entries(scaffold.files)) {
    const path = join(scaffoldDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  // Scaffolds are ESM even as .js; without this Node would look for a package.json above the readable dir.
  if (!('package.json' in scaffold.files)) writeFileSync(join(scaffoldDir, 'package.json'), '{"type":"module"}\n');
}
