import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../../../core/errors.ts';
import { sha256Hex } from '../../../core/hashing.ts';

/**
 * sha256 of the verifier's source file(s), read once at load, so every reward event pins the exact
 * scoring code. Several files are hashed in the given order, each prefixed by its length so that moving
 * bytes between files changes the hash.
 */
export function hashVerifierSources(taskId: string, files: Array<string | URL>): string {
  const parts: string[] = [];
  for (const file of files) {
    const path = file instanceof URL ? fileURLToPath(file) : file;
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (error) {
      throw new PluginError(taskId, `cannot read verifier source ${path}`, { cause: error });
    }
    parts.push(`${source.length}:${source}`);
  }
  return sha256Hex(parts.join('\n'));
}
