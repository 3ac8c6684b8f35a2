import type { EventType, StoredEvent } from '../events/index.ts';

/**
 * A pure fold over the log. State must be plain JSON (it is checkpointed as text).
 * Bump `version` when evolve changes: old checkpoints are then ignored and the projection rebuilds.
 */
export interface Projection<State> {
  name: string;
  version: number;
  /** Only these event types reach evolve (all when omitted). */
  handles?: EventType[];
  initialState(): State;
  evolve(state: State, event: StoredEvent): State;
}

export function foldEvents<State>(projection: Projection<State>, events: Iterable<StoredEvent>, from = projection.initialState()): State {
  let state = from;
  for (const event of events) {
    if (!projection.handles || projection.handles.includes(event.type)) state = projection.evolve(state, event);
  }
  return state;
}
