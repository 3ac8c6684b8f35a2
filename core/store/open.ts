import { dirname, join, resolve } from 'node:path';
import type { EventStore } from '../ports/event-store.ts';
import { isPostgresUrl, openPostgresEventStore } from './postgres/postgres-event-store.ts';
import { openSqliteEventStore } from './sqlite-event-store.ts';

/**
 * Opens the log a `--db` value (or SIA_DB) names: a `postgres://` or `postgresql://` URL opens the shared
 * PostgreSQL log, anything else is a SQLite file path.
 */
export function openEventStore(target: string, options: { readonly?: boolean } = {}): EventStore {
  return isPostgresUrl(target) ? openPostgresEventStore(target) : openSqliteEventStore(target, options);
}

/** The local work folder (adapter files, caches) of a log: `.sia` beside a SQLite file, `./.sia` for a server log. */
export const localWorkDir = (target: string) => (isPostgresUrl(target) ? resolve('.sia') : join(dirname(resolve(target)), '.sia'));
