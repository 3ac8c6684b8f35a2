import { existsSync } from 'node:fs';
import { NotFoundError } from '../core/errors.ts';
import { isPostgresUrl, openEventStore } from '../core/store/index.ts';

/** Opens the --db log (a SQLite file or a postgres:// URL). Read-only commands refuse a missing file instead of creating an empty log. */
export function openStore(file: string, options: { mustExist?: boolean } = {}) {
  if (options.mustExist && !isPostgresUrl(file) && !existsSync(file)) {
    throw new NotFoundError(`no event log at ${file}`, { hint: 'pass --db FILE, or run `sia run` first to create one' });
  }
  return openEventStore(file);
}
