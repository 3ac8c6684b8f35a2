import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { IntegrityError, NotASiaLogError, StoreError, VersionError } from '../errors.ts';
import { SCHEMA_VERSIONS, type StoredEvent } from '../events/index.ts';
import { sha256Hex } from '../hashing.ts';
import type { AppendResult, EventStore, ExpectedVersion, NewEvent, ReadOptions, VerifyResult } from '../ports/event-store.ts';
import { buildRows, checkExpectedVersion, checkImportedRows, type EventRow, RAW_COLUMNS, type RawRow, rowToEvent, toRawRow, verifyRawRows } from './chain.ts';
import { jsonPageQuery, readQuery, statementCache } from './read-query.ts';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));
const ROW_COLUMNS =
  'position, event_id AS eventId, stream_id AS streamId, stream_version AS streamVersion, type, schema_version AS schemaVersion, data, metadata, recorded_at AS recordedAt, hash';

export interface SqliteEventStoreOptions {
  /** Injected clock for recordedAt (tests and replays pass their own). */
  now?: () => Date;
  readonly?: boolean;
}

/**
 * The event log in one SQLite file. Appends run in BEGIN IMMEDIATE transactions, so several processes can
 * append to one file: each sees the true head, the hash chain stays linear and nothing is lost or doubled.
 */
export function openSqliteEventStore(file: string, options: SqliteEventStoreOptions = {}): EventStore & { database: Database.Database } {
  const database = openDatabase(file, options.readonly ?? false);
  const migrations = migrationState(database, file);
  if (options.readonly) {
    // Reads never create or migrate: a file without sia's tables is not a sia log, an old one says how to migrate.
    if (migrations.applied === null)
      throw new NotASiaLogError(`${file} is not a sia log (${migrations.empty ? 'an empty file' : 'no sia tables in it'})`, undefined, {
        hint: 'pass --db with a log written by `sia run`',
      });
    if (migrations.applied < migrations.known) {
      throw new VersionError(`${file} was written by an older sia (schema migration ${migrations.applied} of ${migrations.known})`, {
        hint: `migrate it with \`sia store migrate --db ${file}\``,
      });
    }
  } else {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    applyMigrations(database);
  }
  const now = options.now ?? (() => new Date());

  const statements = {
    head: database.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'),
    insert: database.prepare(`INSERT INTO events (${RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),

    streamVersion: database.prepare('SELECT version FROM streams WHERE stream_id = ?').pluck(),
    upsertStream: database.prepare('INSERT INTO streams (stream_id, version) VALUES (?, ?) ON CONFLICT(stream_id) DO UPDATE SET version = excluded.version'),
    putBlob: database.prepare('INSERT OR IGNORE INTO blobs (sha256, size, content) VALUES (?, ?, ?)'),
    getBlob: database.prepare('SELECT content FROM blobs WHERE sha256 = ?').pluck(),
    rowPage: database.prepare(`SELECT ${RAW_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(true),
    allBlobs: database.prepare('SELECT sha256, content FROM blobs'),
    blobHashes: database.prepare('SELECT sha256 FROM blobs ORDER BY sha256').pluck(),
    hashAt: database.prepare('SELECT hash FROM events WHERE position = ?').pluck(),
    streams: database.prepare('SELECT stream_id AS streamId, version FROM streams ORDER BY stream_id'),
    rowsAfter: database.prepare(`SELECT ${ROW_COLUMNS} FROM events WHERE position > ? ORDER BY position`),
    loadCheckpoint: database.prepare('SELECT position, state FROM checkpoints WHERE projection = ?'),
    saveCheckpoint: database.prepare(
      'INSERT INTO checkpoints (projection, position, state) VALUES (?, ?, ?) ON CONFLICT(projection) DO UPDATE SET position = excluded.position, state = excluded.state',
    ),
  };

  // Idempotency lookups, one query per batch (statements cached by batch size).
  const lookups = new Map<number, Database.Statement>();
  function storedPositions(ids: unknown[]): Map<unknown, number> {
    const valid = ids.filter((id): id is string => typeof id === 'string');
    const found = new Map<unknown, number>();
    for (let start = 0; start < valid.length; start += 500) {
      const chunk = valid.slice(start, start + 500);
      let lookup = lookups.get(chunk.length);
      if (!lookup) {
        lookup = database.prepare(`SELECT event_id, position FROM events WHERE event_id IN (${chunk.map(() => '?').join(',')})`).raw(true);
        lookups.set(chunk.length, lookup);
      }
      for (const [id, position] of lookup.iterate(...chunk) as IterableIterator<[string, number]>) found.set(id, position);
    }
    return found;
  }

  const appendTransaction = database.transaction((streamId: string, events: NewEvent[], expectedVersion: ExpectedVersion, checkIds: boolean): AppendResult => {
    const current = (statements.streamVersion.get(streamId) as number | undefined) ?? 0;
    checkExpectedVersion(streamId, expectedVersion, current);
    const positions: number[] = new Array(events.length);
    const stored = checkIds ? storedPositions(events.map((event) => event?.id)) : new Map<unknown, number>();
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
    if (fresh.length === 0) return { positions, streamVersion: current, appended: 0 };
    const head = (statements.head.get() as { position: number; hash: string } | undefined) ?? { position: 0, hash: '' };
    const rows = buildRows(head, streamId, current, fresh, now().toISOString());
    rows.forEach((row, i) => {
      statements.insert.run(...toRawRow(row));
      positions[freshIndex[i]] = row.position;
    });
    const version = rows[rows.length - 1].streamVersion;
    statements.upsertStream.run(streamId, version);
    return { positions, streamVersion: version, appended: rows.length };
  });

  const importTransaction = database.transaction((rows: EventRow[]) => {
    const head = (statements.head.get() as { position: number; hash: string } | undefined) ?? { position: 0, hash: '' };
    const versions = checkImportedRows(head, rows, (streamId) => (statements.streamVersion.get(streamId) as number | undefined) ?? 0);
    for (const row of rows) {
      statements.insert.run(...toRawRow(row));
    }
    for (const [streamId, version] of versions) statements.upsertStream.run(streamId, version);
  });

  // Pages of raw rows: one call into SQLite per 5k rows is cheaper than a step per row.
  function* rawRowPages(): IterableIterator<RawRow> {
    let after = 0;
    for (;;) {
      const page = statements.rowPage.all(after, 5000) as RawRow[];
      yield* page;
      if (page.length < 5000) return;
      after = page[page.length - 1][0];
    }
  }

  const prepared = statementCache((sql) => database.prepare(sql));
  function* iterate(readOptions: ReadOptions = {}): IterableIterator<StoredEvent> {
    const { sql, params } = readQuery(ROW_COLUMNS, readOptions);
    for (const row of prepared(sql).iterate(...params)) yield rowToEvent(row as EventRow);
  }

  return {
    kind: 'sqlite',
    database,
    append(streamId, events, appendOptions = {}) {
      const expected = appendOptions.expectedVersion ?? 'any';
      // Repeated ids are rare: insert optimistically, and only when the unique index on event_id objects
      // (the whole transaction rolled back) look the stored ids up and append just the new events.
      try {
        return appendTransaction.immediate(streamId, events, expected, false);
      } catch (error) {
        if (!isDuplicateEventId(error)) throw error;
        return appendTransaction.immediate(streamId, events, expected, true);
      }
    },
    read: (readOptions) => [...iterate(readOptions)],
    iterate,
    readJson(readOptions) {
      const { sql, params } = jsonPageQuery(readOptions, SCHEMA_VERSIONS);
      const [count, last, stale, json] = prepared(sql)
        .raw(true)
        .get(...params) as [number, number, number, Buffer];
      return stale > 0 ? null : { count, last, json };
    },
    streamVersion: (streamId) => (statements.streamVersion.get(streamId) as number | undefined) ?? 0,
    head: () => (statements.head.get() as { position: number } | undefined)?.position ?? 0,
    putBlob(content) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
      const sha = sha256Hex(bytes);
      statements.putBlob.run(sha, bytes.length, bytes);
      return sha;
    },
    getBlob(sha) {
      const content = statements.getBlob.get(sha) as Buffer | undefined;
      if (!content) return null;
      if (sha256Hex(content) !== sha) throw new IntegrityError(`blob ${sha} was changed: its content no longer matches its hash`);
      return new Uint8Array(content);
    },
    getBlobText(sha) {
      const bytes = this.getBlob(sha);
      return bytes ? Buffer.from(bytes).toString('utf8') : null;
    },
    verify(): VerifyResult {
      const result = verifyRawRows(rawRowPages());
      if (!result.ok) return result;
      for (const blob of statements.allBlobs.iterate() as IterableIterator<{ sha256: string; content: Buffer }>) {
        if (sha256Hex(blob.content) !== blob.sha256) {
          return { ok: false, checked: result.checked, position: 0, reason: `blob ${blob.sha256} content does not match its hash` };
        }
      }
      return result;
    },
    exportRows: (after = 0) => statements.rowsAfter.iterate(after) as IterableIterator<EventRow>,
    importRows: (rows) => importTransaction.immediate(rows),
    blobHashes: () => statements.blobHashes.iterate() as IterableIterator<string>,
    hashAt: (position) => (statements.hashAt.get(position) as string | undefined) ?? null,
    streams: () => statements.streams.iterate() as IterableIterator<{ streamId: string; version: number }>,
    loadCheckpoint: (name) => (statements.loadCheckpoint.get(name) as { position: number; state: string } | undefined) ?? null,
    // A read-only open keeps no checkpoints: readers fold from the newest valid one and leave the file untouched.
    saveCheckpoint: (name, position, state) => void (options.readonly ? undefined : statements.saveCheckpoint.run(name, position, state)),
    close: () => database.close(),
  };
}

const isDuplicateEventId = (error: unknown) =>
  (error as { code?: string })?.code === 'SQLITE_CONSTRAINT_UNIQUE' && /events\.event_id/.test(String((error as Error).message));

/** Opens the file, turning better-sqlite3's errors into one line naming the file and what to do. */
function openDatabase(file: string, readonly: boolean): Database.Database {
  try {
    const database = new Database(file, { readonly, fileMustExist: readonly });
    database.pragma('busy_timeout = 10000');
    return database;
  } catch (error) {
    const message = (error as Error).message;
    if (/directory does not exist/i.test(message))
      throw new StoreError(`cannot create ${file}: its directory does not exist`, { hint: 'create the directory first or pass another --db' });
    if (/not a database|file is encrypted/i.test(message))
      throw new NotASiaLogError(`${file} is not a SQLite file, so not a sia log`, undefined, { hint: 'pass --db with a log written by `sia run`' });
    throw new StoreError(`cannot open ${file}: ${message}`, { hint: 'check the path and its permissions' });
  }
}

/**
 * How many of this sia's migrations the file has (null: no sia tables). A file with more than this sia knows
 * was written by a newer sia and is refused before anything reads or writes it.
 */
function migrationState(database: Database.Database, file: string): { applied: number | null; known: number; empty: boolean } {
  const known = (JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;
  let tables: string[];
  try {
    tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  } catch (error) {
    throw new NotASiaLogError(`${file} is not a SQLite file, so not a sia log (${(error as Error).message})`, undefined, {
      hint: 'pass --db with a log written by `sia run`',
    });
  }
  const empty = tables.length === 0;
  if (!tables.includes('events') || !tables.includes('__drizzle_migrations')) {
    if (!empty)
      throw new NotASiaLogError(`${file} is not a sia log: it is a SQLite file with other tables (${tables.slice(0, 5).join(', ')})`, undefined, {
        hint: 'pass --db with a log written by `sia run`',
      });
    return { applied: null, known, empty };
  }
  const applied = database.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number;
  if (applied > known)
    throw new VersionError(`${file} was written by a newer sia (schema migration ${applied}; this sia knows ${known})`, { hint: 'upgrade sia to read it' });
  return { applied, known, empty };
}

/** drizzle-kit's migrations, applied at open. Two processes opening a new file at once: the loser retries. */
function applyMigrations(database: Database.Database): void {
  const db = drizzle(database);
  try {
    migrate(db, { migrationsFolder: MIGRATIONS });
  } catch (error) {
    if (!/already exists|locked|busy/i.test(String(error))) throw error;
    migrate(db, { migrationsFolder: MIGRATIONS });
  }
}
