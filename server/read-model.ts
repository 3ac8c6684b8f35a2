import { IllegalStateError, NotFoundError } from '../core/errors.ts';
import type { StoredEvent } from '../core/events/index.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { type LineageState, lineageProjection } from '../core/projections/lineage.ts';
import { project } from '../core/store/index.ts';

/**
 * The API's window on the log. Requests only ever see this view: its writing methods refuse, so no route can
 * append, store a blob or move a checkpoint (the gateway, mounted separately, records through the real store).
 */
export function readOnlyView(store: EventStore): EventStore {
  const refuse = (what: string) => () => {
    throw new IllegalStateError(`the lineage API is read-only: it cannot ${what}`);
  };
  return {
    kind: `${store.kind} (read-only)`,
    read: (options) => store.read(options),
    iterate: (options) => store.iterate(options),
    ...(store.readJson ? { readJson: store.readJson.bind(store) } : {}),
    streamVersion: (streamId) => store.streamVersion(streamId),
    head: () => store.head(),
    getBlob: (sha) => store.getBlob(sha),
    getBlobText: (sha) => store.getBlobText(sha),
    verify: () => store.verify(),
    loadCheckpoint: (name) => store.loadCheckpoint(name),
    exportRows: (after) => store.exportRows(after),
    blobHashes: () => store.blobHashes(),
    hashAt: (position) => store.hashAt(position),
    streams: () => store.streams(),
    ...(store.watch ? { watch: store.watch.bind(store) } : {}),
    append: refuse('append events'),
    importRows: refuse('import rows'),
    putBlob: refuse('store blobs'),
    saveCheckpoint: refuse('save checkpoints'),
    close: refuse('close the store'),
  };
}

export interface LineageSnapshot {
  state: LineageState;
  /** The log position the state is as of. */
  position: number;
  /** Position of the last event that changed the state: snapshots with equal `changedAt` show the same lineage. */
  changedAt: number;
  /** Live snapshots only: the position of the last event naming a node (0 = unchanged since the first fold). */
  nodeChangedAt: ((nodeId: string) => number) | null;
}

/**
 * Lineage as of now, kept in memory and caught up incrementally (another process may be appending), and as
 * of a past position (time travel). Past snapshots never change (the log is append-only), so a few are kept.
 */
export class LineageReader {
  private live: LineageSnapshot | null = null;
  private readonly past = new Map<number, LineageSnapshot>();
  private readonly nodeChanges = new Map<string, number>();
  private readonly nodeChangedAt = (nodeId: string) => this.nodeChanges.get(nodeId) ?? 0;

  constructor(
    readonly store: EventStore,
    private readonly pastSnapshotsKept = 4,
  ) {}

  current(): LineageSnapshot {
    const head = this.store.head();
    if (!this.live) this.live = { ...project(this.store, lineageProjection, { at: head }), changedAt: head, nodeChangedAt: this.nodeChangedAt };
    else if (head > this.live.position) {
      let { state, changedAt } = this.live;
      for (const event of this.store.iterate({ after: this.live.position, upTo: head, types: lineageProjection.handles })) {
        state = lineageProjection.evolve(state, event);
        changedAt = event.position;
        // Every lineage event that alters a node names it (a new run, a verdict, a score).
        const nodeId = (event.data as { nodeId?: unknown }).nodeId;
        if (typeof nodeId === 'string') this.nodeChanges.set(nodeId, event.position);
      }
      this.live = { state, position: head, changedAt, nodeChangedAt: this.nodeChangedAt };
    }
    return this.live;
  }

  /** State as of `at` (clamped to the head); the live snapshot when `at` is absent or not behind it. */
  asOf(at: number | undefined): LineageSnapshot {
    const live = this.current();
    if (at === undefined || at >= live.position) return live;
    const kept = this.past.get(at);
    if (kept) return kept;
    const snapshot = { ...project(this.store, lineageProjection, { at }), changedAt: at, nodeChangedAt: null };
    this.past.set(at, snapshot);
    if (this.past.size > this.pastSnapshotsKept) this.past.delete(this.past.keys().next().value as number);
    return snapshot;
  }

  /** The one event stored at `position`. */
  eventAt(position: number): StoredEvent {
    const [event] = this.store.read({ after: position - 1, upTo: position });
    if (!event) throw new NotFoundError(`no event at position ${position}`);
    return event;
  }
}
