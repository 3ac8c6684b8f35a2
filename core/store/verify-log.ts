import { IntegrityError } from '../errors.ts';
import { blobReferences } from '../events/blob-refs.ts';
import { type EventType, SCHEMA_VERSIONS, type SiaEvent } from '../events/index.ts';
import type { EventStore } from '../ports/event-store.ts';
import { foldEvents, type Projection } from '../projections/projection.ts';
import { checkCheckpoint, checkpointName } from './projections.ts';

export interface Anchor {
  position: number;
  hash: string;
}

export interface LogReport {
  /** False when anything that readers trust was changed: a row, a stream version, a blob, a trusted checkpoint, an anchor. */
  ok: boolean;
  checked: number;
  head: Anchor | null;
  /** What is wrong, first problem first; `position` where one applies. */
  problems: { position: number | null; reason: string }[];
  /** Things readers ignore and so do not make the log wrong (a checkpoint that no longer matches is refolded). */
  notes: string[];
}

/**
 * What `sia verify` proves about a log, through the port so every store gets it: every row's hash and link; the
 * streams table against the events (a deleted last row leaves a version no event has); every blob an event
 * refers to is there and matches its hash; no event is newer than this sia; every checkpoint readers would trust
 * equals the fold of the events up to its position; and, given an anchor (a head printed earlier and kept
 * outside the file), that the log still contains exactly that prefix.
 */
export function verifyLog(store: EventStore, options: { anchor?: Anchor; projections?: Projection<unknown>[] } = {}): LogReport {
  const problems: LogReport['problems'] = [];
  const notes: string[] = [];
  const chain = store.verify();
  if (!chain.ok) problems.push({ position: chain.position, reason: chain.reason });
  const checked = chain.checked;
  const head = chain.ok && chain.head ? { position: checked, hash: chain.head } : null;

  const counts = new Map<string, number>();
  const missing = new Set<string>();
  for (const row of store.exportRows()) {
    counts.set(row.streamId, (counts.get(row.streamId) ?? 0) + 1);
    const known = SCHEMA_VERSIONS[row.type as EventType];
    if (known === undefined || row.schemaVersion > known) {
      problems.push({
        position: row.position,
        reason: `event ${row.type} v${row.schemaVersion} is newer than this sia knows (${known === undefined ? 'no such type' : `v${known}`})`,
      });
      continue;
    }
    for (const sha of blobReferences({ type: row.type, data: JSON.parse(row.data) } as SiaEvent)) {
      if (missing.has(sha)) continue;
      let present = false;
      try {
        present = store.getBlob(sha) !== null;
      } catch {
        problems.push({ position: row.position, reason: `blob ${sha} it refers to was changed` });
        missing.add(sha);
        continue;
      }
      if (!present) {
        problems.push({ position: row.position, reason: `blob ${sha} it refers to is missing` });
        missing.add(sha);
      }
    }
  }
  const recorded = new Map([...store.streams()].map((stream) => [stream.streamId, stream.version]));
  for (const [streamId, version] of recorded) {
    const count = counts.get(streamId) ?? 0;
    if (count !== version)
      problems.push({ position: null, reason: `stream ${streamId} is at version ${version} but the log holds ${count} of its events (rows deleted?)` });
  }
  for (const streamId of counts.keys())
    if (!recorded.has(streamId)) problems.push({ position: null, reason: `stream ${streamId} has events but no row in the streams table` });

  for (const projection of options.projections ?? []) checkProjection(store, projection, problems, notes);

  if (options.anchor) {
    const { position, hash } = options.anchor;
    const stored = store.hashAt(position);
    // First: a broken anchor is the strongest statement, whatever else is found.
    if (stored === null) problems.unshift({ position, reason: `the anchored head ${position} is past the end of the log (${store.head()}): it was truncated` });
    else if (stored !== hash)
      problems.unshift({
        position,
        reason: `the log no longer holds the anchored prefix: the hash at ${position} is ${stored.slice(0, 16)}…, the anchor says ${hash.slice(0, 16)}…`,
      });
  }
  return { ok: problems.length === 0, checked, head, problems, notes };
}

function checkProjection(store: EventStore, projection: Projection<unknown>, problems: LogReport['problems'], notes: string[]): void {
  const name = checkpointName(projection);
  const checkpoint = store.loadCheckpoint(name);
  if (!checkpoint) return;
  const checked = checkCheckpoint(store, checkpoint);
  if (!checked.ok) {
    notes.push(`checkpoint ${name} at ${checkpoint.position} is ignored by readers: ${checked.reason}`);
    return;
  }
  const folded = JSON.stringify(foldEvents(projection, store.iterate({ upTo: checkpoint.position, types: projection.handles })));
  if (folded !== checked.state)
    problems.push({ position: checkpoint.position, reason: `checkpoint ${name} passes its own checks but differs from the events it claims to fold (forged)` });
}

/**
 * Refuses, before anything is appended, a piece of work whose events refer to a blob the log no longer holds
 * (replay and audit would otherwise stop halfway and leave a run started without an end).
 */
export function requireBlobs(store: EventStore, events: Iterable<SiaEvent & { position?: number }>, what: string): void {
  for (const event of events) {
    for (const sha of blobReferences(event)) {
      if (store.getBlob(sha) === null) {
        throw new IntegrityError(
          `${what} needs blob ${sha} (referred to by ${event.type}${event.position ? ` at position ${event.position}` : ''}), and the log no longer holds it`,
          event.position,
          {
            hint: 'run `sia verify` on the log; restore it from a copy',
          },
        );
      }
    }
  }
}
