import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { isPostgresUrl, openEventStore } from '../core/store/index.ts';

/**
 * Opens the --db log (a SQLite file or a postgres:// URL). `read` opens a SQLite file read-only: it never
 * creates, migrates or writes it, and refuses a file that is not a sia log. `write` needs an existing log;
 * `create` (sia run, the target of sia store copy) makes one when missing.
 */
export function openStore(file: string, options: { mode: 'read' | 'write' | 'create' }) {
  if (!isPostgresUrl(file) && existsSync(file) && statSync(file).isDirectory()) {
    throw new ValidationError(`${file} is a directory, not an event log`, '--db', { hint: `name a file in it: --db ${join(file, 'sia.db')}` });
  }
  if (!isPostgresUrl(file) && !existsSync(file)) {
    // A missing folder is usually a typo in the path (the user's to fix, exit 2): name it rather than only the file.
    const folder = dirname(resolve(file));
    if (!existsSync(folder)) {
      if (options.mode === 'create')
        throw new NotFoundError(`cannot create ${file}: its directory ${folder} does not exist`, {
          hint: `create the directory first (mkdir -p ${folder}) or pass another --db`,
        });
      throw new NotFoundError(`no event log at ${file}: its directory ${folder} does not exist`, {
        hint: 'check the --db path (or create the directory and run `sia run` there first)',
      });
    }
    if (options.mode !== 'create') throw new NotFoundError(`no event log at ${file}`, { hint: 'pass --db FILE, or run `sia run` first to create one' });
  }
  return openEventStore(file, { readonly: options.mode === 'read' });
}
