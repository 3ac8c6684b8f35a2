import { sha256Hex } from '../hashing.ts';
import type { EventStore } from '../ports/event-store.ts';
import { foldEvents, type Projection } from '../projections/projection.ts';

export const checkpointName = (projection: Projection<unknown>) => `${projection.name}@${projection.version}`;

/**
 * A checkpoint as stored: the folded state, bound to the chain hash at its position and to its own digest.
 * A reader trusts it only when both still match, so a checkpoint edited in place, or one left from another
 * history of the log, is ignored and the projection is folded from the events instead.
 */
interface BoundCheckpoint {
  chainHash: string | null;
  digest: string;
  state: string;
}

function bind(store: EventStore, position: number, state: string): string {
  const bound: BoundCheckpoint = { chainHash: store.hashAt(position), digest: sha256Hex(state), state };
  return JSON.stringify(bound);
}

/** The checkpoint's state when it is bound to this log as it is now, else why it is not to be trusted. */
export function checkCheckpoint(
  store: EventStore,
  checkpoint: { position: number; state: string },
): { ok: true; state: string } | { ok: false; reason: string } {
  let bound: BoundCheckpoint;
  try {
    bound = JSON.parse(checkpoint.state) as BoundCheckpoint;
  } catch {
    return { ok: false, reason: 'its stored text is not JSON' };
  }
  if (typeof bound?.state !== 'string' || sha256Hex(bound.state) !== bound.digest)
    return { ok: false, reason: 'its state does not match its digest (edited in place)' };
  if (bound.chainHash !== store.hashAt(checkpoint.position))
    return { ok: false, reason: `it was computed on another history: the chain hash at position ${checkpoint.position} differs` };
  return { ok: true, state: bound.state };
}

/**
 * The state of a projection now (catching up from its checkpoint and saving the new one), or as of a past
 * position (time travel: from the checkpoint when it is not past that position, else from zero; nothing saved).
 */
export function project<State>(store: EventStore, projection: Projection<State>, options: { at?: number } = {}): { state: State; position: number } {
  const head = store.head();
  const at = options.at === undefined ? head : Math.min(options.at, head);
  const checkpoint = store.loadCheckpoint(checkpointName(projection as Projection<unknown>));
  const checked = checkpoint && checkpoint.position <= at ? checkCheckpoint(store, checkpoint) : null;
  const usable = checked?.ok ? { position: (checkpoint as { position: number }).position, state: checked.state } : null;
  const start = usable ? (JSON.parse(usable.state) as State) : projection.initialState();
  const after = usable?.position ?? 0;
  const state = after === at ? start : foldEvents(projection, store.iterate({ after, upTo: at, types: projection.handles }), start);
  if (options.at === undefined && (at > after || (checked && !checked.ok)))
    store.saveCheckpoint(checkpointName(projection as Projection<unknown>), at, bind(store, at, JSON.stringify(state)));
  return { state, position: at };
}

/** Drops the checkpoint's influence: folds the whole log from zero and saves the result. */
export function rebuild<State>(store: EventStore, projection: Projection<State>): { state: State; position: number } {
  const head = store.head();
  const state = foldEvents(projection, store.iterate({ upTo: head, types: projection.handles }));
  store.saveCheckpoint(checkpointName(projection as Projection<unknown>), head, bind(store, head, JSON.stringify(state)));
  return { state, position: head };
}
