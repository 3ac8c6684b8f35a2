import { existsSync } from 'node:fs';
import { NotFoundError } from '../core/errors.ts';
import { openSqliteEventStore } from '../core/store/index.ts';

/** Opens the --db file. Read-only commands refuse a missing file instead of creating an empty log. */
export function openStore(file: string, options: { mustExist?: boolean } = {}) {
  if (options.mustExist && !existsSync(file)) {
    throw new NotFoundError(`no event log at ${file}`, { hint: 'pass --db FILE, or run `sia run` first to create one' });
  }
  return openSqliteEventStore(file);
}
