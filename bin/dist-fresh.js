import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders bin/build.js compiles into dist/, each .ts file to the same path with .js. */
export const SOURCE_DIRS = ['cli', 'core', 'gateway', 'loop', 'plugins', 'server'];
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Written last by a build, dated when the build began: a source changed after that is not in dist/. */
export const STAMP = join(DIST, '.built');

/** Whether dist/ holds a finished build at least as new as every TypeScript source (a few ms for ~250 files). */
export function distIsFresh() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return false;
  }
  for (const dir of SOURCE_DIRS) {
    for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && entry.name.endsWith('.ts') && statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs > built) return false;
    }
  }
  return true;
}
