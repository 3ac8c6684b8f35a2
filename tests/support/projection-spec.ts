import type { NewEvent } from '../../core/ports/event-store.ts';
import type { Projection } from '../../core/projections/projection.ts';
import { createInMemoryEventStore, project } from '../../core/store/index.ts';

/**
 * Given-when-then for projections: `given(events).when(moreEvents).then()` folds the log through a real
 * (in-memory) store, so positions and envelopes are as in production.
 */
export function projectionSpec<State>(projection: Projection<State>) {
  return {
    given(...given: NewEvent[]) {
      const store = createInMemoryEventStore({ now: () => new Date('2026-11-25T00:00:00Z') });
      const appendAll = (events: NewEvent[]) => events.forEach((event) => store.append(streamOf(event), [event]));
      appendAll(given);
      return {
        store,
        when(...when: NewEvent[]) {
          appendAll(when);
          return this;
        },
        then(options: { at?: number } = {}): State {
          return project(store, projection, options).state;
        },
      };
    },
  };
}

/** Run facts on the run's stream, everything else on its experiment's, as the loop writes them. */
function streamOf(event: NewEvent): string {
  const data = event.data as { runId?: string; experimentId?: string };
  const onRunStream = event.type.startsWith('run.') || event.type === 'reward.recorded';
  return onRunStream && data.runId ? `run-${data.runId}` : `experiment-${data.experimentId ?? 'none'}`;
}
