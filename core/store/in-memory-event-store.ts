import { IntegrityError } from '../errors.ts';
import type { StoredEvent } from '../events/index.ts';
import { sha256Hex } from '../hashing.ts';
import type { EventStore, ReadOptions } from '../ports/event-store.ts';
import { buildRows, checkExpectedVersion, checkImportedRows, type EventRow, rowToEvent, toRawRow, verifyRawRows } from './chain.ts';

/** The same contract as the SQLite store, kept in arrays: the fake for unit tests (tests/contracts/event-store.case.ts). */
export function createInMemoryEventStore(options: { now?: () => Date } = {}): EventStore & { rows: EventRow[] } {
  const rows: EventRow[] = [];
  const byId = new Map<string, number>();
  const streams = new Map<string, number>();
  const blobs = new Map<string, Uint8Array>();
  const checkpoints = new Map<string, { position: number; state: string }>();
  const now = options.now ?? (() => new Date());

  function* iterate(read: ReadOptions = {}): IterableIterator<StoredEvent> {
    let count = 0;
    for (const row of rows) {
      if (read.limit !== undefined && count >= read.limit) return;
      if (read.after !== undefined && row.position <= read.after) continue;
      if (read.upTo !== undefined && row.position > read.upTo) return;
      if (read.streamId !== undefined && row.streamId !== read.streamId) continue;
      if (read.types?.length && !read.types.includes(row.type as never)) continue;
      count += 1;
      yield rowToEvent(row);
    }
  }

  return {
    kind: 'memory',
    rows,
    append(streamId, events, appendOptions = {}) {
      const current = streams.get(streamId) ?? 0;
      checkExpectedVersion(streamId, appendOptions.expectedVersion ?? 'any', current);
      const positions: number[] = new Array(events.length);
      const fresh = events.filter((event, index) => {
        const existing = typeof event?.id === 'string' ? byId.get(event.id) : undefined;
        if (existing !== undefined) positions[index] = existing;
        return existing === undefined;
      });
      if (fresh.length === 0) return { positions, streamVersion: current, appended: 0 };
      const last = rows[rows.length - 1];
      const built = buildRows({ position: last?.position ?? 0, hash: last?.hash ?? '' }, streamId, current, fresh, now().toISOString());
      let next = 0;
      events.forEach((_, index) => {
        if (positions[index] === undefined) positions[index] = built[next++].position;
      });
      for (const row of built) {
        rows.push(row);
        byId.set(row.eventId, row.position);
      }
      const version = built[built.length - 1].streamVersion;
      streams.set(streamId, version);
      return { positions, streamVersion: version, appended: built.length };
    },
    read: (read) => [...iterate(read)],
    iterate,
    streamVersion: (streamId) => streams.get(streamId) ?? 0,
    head: () => rows[rows.length - 1]?.position ?? 0,
    putBlob(content) {
      const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
      const sha = sha256Hex(bytes);
      if (!blobs.has(sha)) blobs.set(sha, bytes);
      return sha;
    },
    getBlob(sha) {
      const bytes = blobs.get(sha);
      if (!bytes) return null;
      if (sha256Hex(bytes) !== sha) throw new IntegrityError(`blob ${sha} was changed: its content no longer matches its hash`);
      return bytes;
    },
    getBlobText(sha) {
      const bytes = this.getBlob(sha);
      return bytes ? new TextDecoder().decode(bytes) : null;
    },
    verify: () => verifyRawRows(rows.map(toRawRow)),
    *exportRows(after = 0) {
      yield* rows.slice(after);
    },
    importRows(copied) {
      const last = rows[rows.length - 1];
      const versions = checkImportedRows({ position: last?.position ?? 0, hash: last?.hash ?? '' }, copied, (streamId) => streams.get(streamId) ?? 0);
      for (const row of copied) {
        rows.push({ ...row });
        byId.set(row.eventId, row.position);
      }
      for (const [streamId, version] of versions) streams.set(streamId, version);
    },
    blobHashes: () => blobs.keys(),
    hashAt: (position) => rows[position - 1]?.hash ?? null,
    *streams() {
      for (const [streamId, version] of streams) yield { streamId, version };
    },
    loadCheckpoint: (name) => checkpoints.get(name) ?? null,
    saveCheckpoint: (name, position, state) => void checkpoints.set(name, { position, state }),
    close: () => undefined,
  };
}
