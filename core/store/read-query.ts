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
  // A bound limit keeps the text the same across page sizes, so one prepared statement serves them all.
  let limit = '';
  if (options.limit !== undefined) {
    limit = ' LIMIT ?';
    params.push(Math.max(0, Math.floor(options.limit)));
  }
  return { sql: `SELECT ${columns} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY position${limit}`, params };
}

/**
 * Prepared statements by SQL text. Reads differ only in which filters they use (and how many types), so a
 * few dozen statements cover every request; past `capacity` the oldest is dropped. A statement still being
 * iterated (a nested read of the same shape) cannot run twice at once: that read gets a fresh one.
 */
export function statementCache<Statement extends { busy: boolean }>(prepare: (sql: string) => Statement, capacity = 64): (sql: string) => Statement {
  const kept = new Map<string, Statement>();
  return (sql) => {
    let statement = kept.get(sql);
    if (statement?.busy) return prepare(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      kept.set(sql, statement);
      if (kept.size > capacity) kept.delete(kept.keys().next().value as string);
    }
    return statement;
  };
}

/** The event as JSON text, built by SQLite: the keys and order `JSON.stringify` gives a StoredEvent, data as stored. */
// `type` needs no quoting: a row whose type is not one of today's names counts as stale and is decoded instead.
const EVENT_JSON = `'{"type":"' || type || '","data":' || data || ',"position":' || position || ',"id":' || json_quote(event_id) || ',"streamId":' || json_quote(stream_id) || ',"streamVersion":' || stream_version || ',"schemaVersion":' || schema_version || ',"recordedAt":' || json_quote(recorded_at) || ',"metadata":' || coalesce(metadata, 'null') || '}'`;

/**
 * One SELECT answering a page of a read as JSON: how many events, the last position, how many rows are stored
 * at an older schema version than `versions` (their data needs upcasting, so the text cannot be used) and the
 * events joined by commas, as UTF-8 bytes. The ordered, limited subquery runs as a co-routine feeding the
 * aggregate in position order (an ORDER BY inside group_concat would sort again and double the cost).
 */
export function jsonPageQuery(options: ReadOptions, versions: Record<string, number>): { sql: string; params: unknown[] } {
  const { sql, params } = readQuery(`position, ${EVENT_JSON} AS json, type, schema_version`, options);
  const current = Object.entries(versions)
    .map(([type, version]) => `WHEN ${sqlString(type)} THEN ${Math.floor(version)}`)
    .join(' ');
  return {
    sql: `SELECT count(*), coalesce(max(position), 0), coalesce(sum(schema_version IS NOT (CASE type ${current} END)), 0), CAST(coalesce(group_concat(json, ','), '') AS BLOB) FROM (${sql})`,
    params,
  };
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
