import type { ReadOptions } from '../ports/event-store.ts';

/** Builds the SELECT for a read: SQL kept apart from its execution so both stores share the same filters. */
export function readQuery(columns: string, options: ReadOptions): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (options.after !== undefined) {
    where.push('position > ?');
    params.push(options.after);
  }
  if (options.upTo !== undefined) {
    where.push('position <= ?');
    params.push(options.upTo);
  }
  if (options.streamId !== undefined) {
    where.push('stream_id = ?');
    params.push(options.streamId);
  }
  if (options.types?.length) {
    where.push(`type IN (${options.types.map(() => '?').join(', ')})`);
    params.push(...options.types);
  }
  const limit = options.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(options.limit))}` : '';
  return { sql: `SELECT ${columns} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY position${limit}`, params };
}
