import { existsSync } from 'node:fs';
import { NotFoundError } from '../core/errors.ts';
import { isPostgresUrl, openEventStore } from '../core/store/index.ts';

/**
 * Opens the --db log (a SQLite file or a postgres:// URL). `read` opens a SQLite file read-only: it never
 * creates, migrates or writes it, and refuses a file that is not a sia log. `write` needs an existing log;
 * `create` (sia run, the target of sia store copy) makes one when missing.
 */
export function openStore(file: string, options: { mode: 'read' | 'write' | 'create' }) {
  if (options.mode !== 'create' && !isPostgresUrl(file) && !existsSync(file)) {
    throw new NotFoundError(`no event log at ${file}`, { hint: 'pass --db FILE, or run `sia run` first to create one' });
  }
  return openEventStore(file, { readonly: options.mode === 'read' });
}
