import type { EventType, SiaEventInput, StoredEvent } from '../events/index.ts';
import type { EventRow } from '../store/chain.ts';

/** An event to append: the id is the idempotency key (appending the same id twice stores it once). */
export type NewEvent<E extends SiaEventInput = SiaEventInput> = E & { id: string; metadata?: Record<string, unknown> };

/** `no_stream`: the stream must not exist yet; `any`: no check; a number: the stream's current version. */
export type ExpectedVersion = number | 'any' | 'no_stream';

export interface AppendResult {
  /** Positions of the given events, in order (an idempotent repeat reports the stored position). */
  positions: number[];
  streamVersion: number;
  /** How many were new. */
  appended: number;
}

export interface ReadOptions {
  /** Only events with position > after. */
  after?: number;
  /** Only events with position <= upTo (time travel). */
  upTo?: number;
  limit?: number;
  streamId?: string;
  types?: EventType[];
}

export type VerifyResult = { ok: true; checked: number; head: string | null } | { ok: false; checked: number; position: number; reason: string };

/**
 * The log every part of sia writes to and reads from. Synchronous: SQLite through better-sqlite3 is,
 * and the in-memory fake follows the same contract (tests/contracts/event-store.case.ts).
 */
export interface EventStore {
  readonly kind: string;
  append(streamId: string, events: NewEvent[], options?: { expectedVersion?: ExpectedVersion }): AppendResult;
  read(options?: ReadOptions): StoredEvent[];
  /**
   * A read as JSON without decoding it, for callers that only pass it on (the HTTP API): the events joined by
   * commas, each the text `JSON.stringify` gives the event `read` returns, as UTF-8. Null when a row needs an
   * upcaster (its stored data is not what `read` returns): decode those with `read`.
   */
  readJson?(options: ReadOptions): { count: number; last: number; json: Uint8Array } | null;
  /** Iterates lazily over the log; use for full scans. */
  iterate(options?: ReadOptions): IterableIterator<StoredEvent>;
  streamVersion(streamId: string): number;
  /** Position of the last event (0 when empty). */
  head(): number;
  putBlob(content: string | Uint8Array): string;
  getBlob(sha256: string): Uint8Array | null;
  getBlobText(sha256: string): string | null;
  verify(): VerifyResult;
  /** Projection checkpoints: folded state as of a position (see core/store/projections.ts). */
  loadCheckpoint(name: string): { position: number; state: string } | null;
  saveCheckpoint(name: string, position: number, state: string): void;
  /** Stored rows exactly as written (canonical JSON text, recordedAt, hash) after `after`, for copying a log. */
  exportRows(after?: number): IterableIterator<EventRow>;
  /** Appends rows copied from another log verbatim; each must extend this log's chain (position, stream version, hash). */
  importRows(rows: EventRow[]): void;
  /** The chain hash stored at a position (what checkpoints and anchors bind to); null past the head. */
  hashAt(position: number): string | null;
  /** The streams table: each stream's recorded version (sia verify checks it against the events). */
  streams(): IterableIterator<{ streamId: string; version: number }>;
  /** The sha256 of every stored blob. */
  blobHashes(): IterableIterator<string>;
  /** Calls `onHead` with the new head after appends by any process, where the store can tell (PostgreSQL's LISTEN/NOTIFY); readers without it poll head(). */
  watch?(onHead: (head: number) => void): () => void;
  close(): void;
}
