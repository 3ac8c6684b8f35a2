import type { EventStore } from '../ports/event-store.ts';
import { foldEvents, type Projection } from '../projections/projection.ts';

const checkpointName = (projection: Projection<unknown>) => `${projection.name}@${projection.version}`;

/**
 * The state of a projection now (catching up from its checkpoint and saving the new one), or as of a past
 * position (time travel: from the checkpoint when it is not past that position, else from zero; nothing saved).
 */
export function project<State>(store: EventStore, projection: Projection<State>, options: { at?: number } = {}): { state: State; position: number } {
  const head = store.head();
  const at = options.at === undefined ? head : Math.min(options.at, head);
  const checkpoint = store.loadCheckpoint(checkpointName(projection as Projection<unknown>));
  const usable = checkpoint && checkpoint.position <= at ? checkpoint : null;
  const start = usable ? (JSON.parse(usable.state) as State) : projection.initialState();
  const after = usable?.position ?? 0;
  const state = after === at ? start : foldEvents(projection, store.iterate({ after, upTo: at, types: projection.handles }), start);
  if (options.at === undefined && at > after) store.saveCheckpoint(checkpointName(projection as Projection<unknown>), at, JSON.stringify(state));
  return { state, position: at };
}

/** Drops the checkpoint's influence: folds the whole log from zero and saves the result. */
export function rebuild<State>(store: EventStore, projection: Projection<State>): { state: State; position: number } {
  const head = store.head();
  const state = foldEvents(projection, store.iterate({ upTo: head, types: projection.handles }));
  store.saveCheckpoint(checkpointName(projection as Projection<unknown>), head, JSON.stringify(state));
  return { state, position: head };
}
