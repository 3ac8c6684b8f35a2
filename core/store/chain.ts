import { ConcurrencyError, IntegrityError, ValidationError } from '../errors.ts';
import { type EventType, SCHEMA_VERSIONS, SiaEvent, type StoredEvent } from '../events/index.ts';
import { upcast } from '../events/upcasters.ts';
import { canonicalJson, sha256Hex } from '../hashing.ts';
import type { ExpectedVersion, NewEvent, VerifyResult } from '../ports/event-store.ts';

/** An event as stored: JSON kept as canonical text so the hash can be recomputed from the row alone. */
export interface EventRow {
  position: number;
  eventId: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string | null;
  recordedAt: string;
  hash: string;
}

/** Column order of a raw row: the same in the table, in verifyRawRows and in chainHash. */
export const RAW_COLUMNS = 'position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash';
export type RawRow = [number, string, string, number, string, number, string, string | null, string, string];

/** sha256(previous hash ‖ every stored field of the row), fields separated so no two rows collide. */
export function chainHash(previousHash: string, row: Omit<EventRow, 'hash'>): string {
  return hashFields(
    previousHash,
    row.position,
    row.eventId,
    row.streamId,
    row.streamVersion,
    row.type,
    row.schemaVersion,
    row.data,
    row.metadata,
    row.recordedAt,
  );
}

function hashFields(previous: string, ...fields: [number, string, string, number, string, number, string, string | null, string]): string {
  const [position, eventId, streamId, streamVersion, type, schemaVersion, data, metadata, recordedAt] = fields;
  return sha256Hex(`${previous}\n${position}\n${eventId}\n${streamId}\n${streamVersion}\n${type}\n${schemaVersion}\n${recordedAt}\n${metadata ?? ''}\n${data}`);
}

export function checkExpectedVersion(streamId: string, expected: ExpectedVersion, actual: number): void {
  if (expected === 'any') return;
  if (expected === 'no_stream' ? actual !== 0 : expected !== actual) throw new ConcurrencyError(streamId, expected, actual);
}

/** Validates an event against the union; a failure names the event type, id and the offending field. */
export function validateNewEvent(event: NewEvent): SiaEvent {
  if (!event || typeof event.id !== 'string' || event.id.length === 0) throw new ValidationError('every event needs a non-empty string id', 'id');
  const parsed = SiaEvent.safeParse({ type: event.type, data: event.data });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = (issue?.path ?? []).map(String).join('.') || 'type';
    throw new ValidationError(`event ${event.id} (${String(event.type)}) is invalid: ${issue?.message ?? 'bad shape'}`, field);
  }
  return parsed.data;
}

export interface ChainHead {
  position: number;
  hash: string;
}

/** Builds the rows for new events after `head`, validating each first so a bad one writes nothing. */
export function buildRows(head: ChainHead, streamId: string, streamVersion: number, events: NewEvent[], recordedAt: string): EventRow[] {
  const rows: EventRow[] = [];
  let { position, hash } = head;
  let version = streamVersion;
  for (const event of events) {
    const valid = validateNewEvent(event);
    position += 1;
    version += 1;
    const row = {
      position,
      eventId: event.id,
      streamId,
      streamVersion: version,
      type: valid.type,
      schemaVersion: SCHEMA_VERSIONS[valid.type],
      data: canonicalJson(valid.data),
      metadata: event.metadata ? canonicalJson(event.metadata) : null,
      recordedAt,
    };
    hash = chainHash(hash, row);
    (row as EventRow).hash = hash;
    rows.push(row as EventRow);
  }
  return rows;
}

/** Turns a stored row back into a typed event, upcasting old schema versions on read. */
export function rowToEvent(row: EventRow): StoredEvent {
  const type = row.type as EventType;
  return {
    type,
    data: upcast(type, row.schemaVersion, JSON.parse(row.data)),
    position: row.position,
    id: row.eventId,
    streamId: row.streamId,
    streamVersion: row.streamVersion,
    schemaVersion: row.schemaVersion,
    recordedAt: row.recordedAt,
    metadata: row.metadata === null ? null : JSON.parse(row.metadata),
  } as StoredEvent;
}

export const toRawRow = (row: EventRow): RawRow => [
  row.position,
  row.eventId,
  row.streamId,
  row.streamVersion,
  row.type,
  row.schemaVersion,
  row.data,
  row.metadata,
  row.recordedAt,
  row.hash,
];

/** Walks raw rows in position order and reports the first one whose hash, position or link is wrong. */
export function verifyRawRows(rows: Iterable<RawRow>): VerifyResult {
  let previous = '';
  let expectedPosition = 1;
  let checked = 0;
  for (const row of rows) {
    const [position, eventId, streamId, streamVersion, type, schemaVersion, data, metadata, recordedAt, hash] = row;
    if (position !== expectedPosition) {
      return { ok: false, checked, position: expectedPosition, reason: `position ${expectedPosition} is missing (next stored is ${position})` };
    }
    if (hashFields(previous, position, eventId, streamId, streamVersion, type, schemaVersion, data, metadata, recordedAt) !== hash) {
      return { ok: false, checked, position, reason: 'hash does not match the stored content' };
    }
    previous = hash;
    expectedPosition += 1;
    checked += 1;
  }
  return { ok: true, checked, head: checked ? previous : null };
}

/**
 * Checks rows copied from another log before they are stored verbatim: each must take the next position,
 * the next version of its stream and hash onto the row before it. Returns every touched stream's new version.
 */
export function checkImportedRows(head: ChainHead, rows: EventRow[], versionOf: (streamId: string) => number): Map<string, number> {
  const versions = new Map<string, number>();
  let { position, hash } = head;
  for (const row of rows) {
    const version = versions.get(row.streamId) ?? versionOf(row.streamId);
    if (row.position !== position + 1)
      throw new IntegrityError(`copied row at position ${row.position} does not follow this log's head ${position}`, row.position);
    if (row.streamVersion !== version + 1) {
      throw new IntegrityError(
        `copied row at position ${row.position} is version ${row.streamVersion} of ${row.streamId}, expected ${version + 1}`,
        row.position,
      );
    }
    if (chainHash(hash, row) !== row.hash)
      throw new IntegrityError(`copied row at position ${row.position}: hash does not match its content and the row before`, row.position);
    versions.set(row.streamId, row.streamVersion);
    ({ position, hash } = row);
  }
  return versions;
}
