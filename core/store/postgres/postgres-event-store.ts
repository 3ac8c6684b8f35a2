import { fileURLToPath } from 'node:url';
import { IntegrityError } from '../../errors.ts';
import type { StoredEvent } from '../../events/index.ts';
import { sha256Hex } from '../../hashing.ts';
import type { AppendResult, EventStore, ExpectedVersion, NewEvent, ReadOptions } from '../../ports/event-store.ts';
import { buildRows, checkExpectedVersion, checkImportedRows, type EventRow, RAW_COLUMNS, type RawRow, rowToEvent, toRawRow, verifyRawRows } from '../chain.ts';
import { readQuery } from '../read-query.ts';
import { openSyncPgClient, PgError, type SyncPgClient } from './sync-client.ts';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations-pg', import.meta.url));
const ROW_COLUMNS =
  'position, event_id AS "eventId", stream_id AS "streamId", stream_version AS "streamVersion", type, schema_version AS "schemaVersion", data, metadata, recorded_at AS "recordedAt", hash';
const PAGE = 5000;
/** Every append takes this transaction-scoped advisory lock: one writer at a time extends the chain. */
const APPEND_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':sia-append'))";

export interface PostgresEventStoreOptions {
  now?: () => Date;
  /** A schema of its own (tests, or several logs in one database); default: the role's search_path. */
  schema?: string;
}

/**
 * The event log on PostgreSQL, for a team sharing one log from several machines. Same rows, hash chain and
 * contract as the SQLite store. Global positions: each append runs in a transaction holding an advisory lock
 * keyed by the schema, reads the head under it and inserts the next positions, so concurrent writers on any
 * machine queue up and the chain stays linear (the primary key on position would refuse a fork anyway).
 */
export function openPostgresEventStore(url: string, options: PostgresEventStoreOptions = {}): EventStore & { client: SyncPgClient } {
  const schema = options.schema ?? new URL(url).searchParams.get('schema') ?? undefined;
  const client = openSyncPgClient(stripSchemaParam(url), {
    schema,
    migrationsFolder: MIGRATIONS,
  });
  const now = options.now ?? (() => new Date());

  const streamVersion = (streamId: string) =>
    client.query<{ version: number }>({
      sql: 'SELECT version FROM streams WHERE stream_id = $1',
      params: [streamId],
    })[0]?.version ?? 0;
  const headRow = () =>
    client.query<{ position: number; hash: string }>({
      sql: 'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1',
    })[0];

  /** Ends a failed transaction; outside one PostgreSQL only warns, and a dead connection keeps the first error. */
  const rollback = () => {
    try {
      client.query({ sql: 'ROLLBACK' });
    } catch {
      // The error that got us here is the one to report.
    }
  };

  function appendOnce(streamId: string, events: NewEvent[], expected: ExpectedVersion, checkIds: boolean): AppendResult {
    const ids = events.map((event) => event?.id).filter((id): id is string => typeof id === 'string');
    try {
      const [, , versionRows, headRows, storedRows] = client.batch([
        { sql: 'BEGIN' },
        { sql: APPEND_LOCK },
        {
          sql: 'SELECT version FROM streams WHERE stream_id = $1',
          params: [streamId],
        },
        {
          sql: 'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1',
        },
        ...(checkIds
          ? [
              {
                sql: 'SELECT event_id, position FROM events WHERE event_id = ANY($1)',
                params: [ids],
              },
            ]
          : []),
      ]) as [unknown, unknown, { version: number }[], { position: number; hash: string }[], { event_id: string; position: number }[] | undefined];
      const current = versionRows[0]?.version ?? 0;
      checkExpectedVersion(streamId, expected, current);
      const stored = new Map((storedRows ?? []).map((row) => [row.event_id, row.position]));
      const positions: number[] = new Array(events.length);
      const fresh: NewEvent[] = [];
      const freshIndex: number[] = [];
      events.forEach((event, index) => {
        const existing = stored.get(event?.id);
        if (existing !== undefined) positions[index] = existing;
        else {
          fresh.push(event);
          freshIndex.push(index);
        }
      });
      if (fresh.length === 0) {
        client.query({ sql: 'COMMIT' });
        return { positions, streamVersion: current, appended: 0 };
      }
      const rows = buildRows(headRows[0] ?? { position: 0, hash: '' }, streamId, current, fresh, now().toISOString());
      rows.forEach((row, i) => (positions[freshIndex[i]] = row.position));
      const version = rows[rows.length - 1].streamVersion;
      client.batch([...insertStatements(rows), upsertStream(streamId, version), { sql: 'COMMIT' }]);
      return { positions, streamVersion: version, appended: rows.length };
    } catch (error) {
      rollback();
      throw error;
    }
  }

  function* iterate(readOptions: ReadOptions = {}): IterableIterator<StoredEvent> {
    // Paged by position so a full scan never holds the whole log in memory.
    let after = readOptions.after;
    let left = readOptions.limit ?? Infinity;
    while (left > 0) {
      const limit = Math.min(PAGE, left);
      const { sql, params } = readQuery(ROW_COLUMNS, {
        ...readOptions,
        after,
        limit,
      });
      const page = client.query<EventRow>({ sql: numbered(sql), params });
      for (const row of page) yield rowToEvent(row);
      if (page.length < limit) return;
      after = page[page.length - 1].position;
      left -= page.length;
    }
  }

  function* rawRowPages(): IterableIterator<RawRow> {
    let after = 0;
    for (;;) {
      const page = client.query<RawRow>({
        sql: `SELECT ${RAW_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT ${PAGE}`,
        params: [after],
        array: true,
      });
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1][0];
    }
  }

  const getBlob = (sha: string) => {
    const content = client.query<{ content: Buffer }>({
      sql: 'SELECT content FROM blobs WHERE sha256 = $1',
      params: [sha],
    })[0]?.content;
    if (!content) return null;
    if (sha256Hex(content) !== sha) throw new IntegrityError(`blob ${sha} was changed: its content no longer matches its hash`);
    return new Uint8Array(content);
  };

  return {
    kind: 'postgres',
    client,
    append(streamId, events, appendOptions = {}) {
      const expected = appendOptions.expectedVersion ?? 'any';
      // As in SQLite: insert optimistically; when the unique index on event_id objects, look the ids up.
      try {
        return appendOnce(streamId, events, expected, false);
      } catch (error) {
        if (!(error instanceof PgError && error.code === '23505' && error.constraint === 'events_event_id')) throw error;
        return appendOnce(streamId, events, expected, true);
      }
    },
    read: (readOptions) => [...iterate(readOptions)],
    iterate,
    streamVersion,
    head: () => headRow()?.position ?? 0,
    putBlob(content) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      const sha = sha256Hex(bytes);
      client.query({
        sql: 'INSERT INTO blobs (sha256, size, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        params: [sha, bytes.length, bytes],
      });
      return sha;
    },
    getBlob,
    getBlobText(sha) {
      const bytes = getBlob(sha);
      return bytes ? Buffer.from(bytes).toString('utf8') : null;
    },
    verify() {
      const result = verifyRawRows(rawRowPages());
      if (!result.ok) return result;
      let after = '';
      for (;;) {
        const page = client.query<{ sha256: string; content: Buffer }>({
          sql: `SELECT sha256, content FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT 500`,
          params: [after],
        });
        for (const blob of page) {
          if (sha256Hex(blob.content) !== blob.sha256)
            return {
              ok: false,
              checked: result.checked,
              position: 0,
              reason: `blob ${blob.sha256} content does not match its hash`,
            };
        }
        if (page.length < 500) return result;
        after = page[page.length - 1].sha256;
      }
    },
    *exportRows(after = 0) {
      for (;;) {
        const page: EventRow[] = client.query<EventRow>({
          sql: `SELECT ${ROW_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT ${PAGE}`,
          params: [after],
        });
        yield* page;
        if (page.length < PAGE) return;
        after = page[page.length - 1].position;
      }
    },
    importRows(rows) {
      if (rows.length === 0) return;
      const streamIds = [...new Set(rows.map((row) => row.streamId))];
      try {
        const [, , headRows, versionRows] = client.batch([
          { sql: 'BEGIN' },
          { sql: APPEND_LOCK },
          { sql: 'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1' },
          { sql: 'SELECT stream_id, version FROM streams WHERE stream_id = ANY($1)', params: [streamIds] },
        ]) as [unknown, unknown, { position: number; hash: string }[], { stream_id: string; version: number }[]];
        const stored = new Map(versionRows.map((row) => [row.stream_id, row.version]));
        const versions = checkImportedRows(headRows[0] ?? { position: 0, hash: '' }, rows, (streamId) => stored.get(streamId) ?? 0);
        client.batch([...insertStatements(rows), ...[...versions].map(([streamId, version]) => upsertStream(streamId, version)), { sql: 'COMMIT' }]);
      } catch (error) {
        rollback();
        throw error;
      }
    },
    hashAt: (position) => client.query<{ hash: string }>({ sql: 'SELECT hash FROM events WHERE position = $1', params: [position] })[0]?.hash ?? null,
    *streams() {
      yield* client.query<{ streamId: string; version: number }>({ sql: 'SELECT stream_id AS "streamId", version FROM streams ORDER BY stream_id' });
    },
    *blobHashes() {
      let after = '';
      for (;;) {
        const page: { sha256: string }[] = client.query<{ sha256: string }>({
          sql: 'SELECT sha256 FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT 1000',
          params: [after],
        });
        for (const row of page) yield row.sha256;
        if (page.length < 1000) return;
        after = page[page.length - 1].sha256;
      }
    },
    loadCheckpoint: (name) =>
      client.query<{ position: number; state: string }>({
        sql: 'SELECT position, state FROM checkpoints WHERE projection = $1',
        params: [name],
      })[0] ?? null,
    saveCheckpoint(name, position, state) {
      client.query({
        sql: 'INSERT INTO checkpoints (projection, position, state) VALUES ($1, $2, $3) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, state = excluded.state',
        params: [name, position, state],
      });
    },
    watch: (onHead) => client.listen(onHead),
    close: () => client.close(),
  };
}

/** One multi-row INSERT per 1,000 rows (10 parameters a row, under PostgreSQL's 65,535). */
function insertStatements(rows: EventRow[]) {
  const statements = [];
  for (let start = 0; start < rows.length; start += 1000) {
    const chunk = rows.slice(start, start + 1000);
    const values = chunk.map((_, i) => `(${Array.from({ length: 10 }, (__, c) => `$${i * 10 + c + 1}`).join(', ')})`).join(', ');
    const params = chunk.flatMap(toRawRow);
    statements.push({
      sql: `INSERT INTO events (${RAW_COLUMNS}) VALUES ${values}`,
      params,
    });
  }
  return statements;
}

const upsertStream = (streamId: string, version: number) => ({
  sql: 'INSERT INTO streams (stream_id, version) VALUES ($1, $2) ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version',
  params: [streamId, version],
});

/** readQuery writes SQLite's `?` placeholders; PostgreSQL numbers them. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

const stripSchemaParam = (url: string) => {
  const parsed = new URL(url);
  parsed.searchParams.delete('schema');
  return parsed.toString();
};

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//.test(target);
