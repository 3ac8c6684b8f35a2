import { NotFoundError } from '../core/errors.ts';
import type { EventType, StoredEvent } from '../core/events/index.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { decide, type LoopCommand } from '../core/loop/decide.ts';
import { evolve, initialLoopState, type LoopState } from '../core/loop/state.ts';

const LOOP_EVENTS: EventType[] = [
  'experiment.created',
  'experiment.finished',
  'experiment.branched',
  'scaffold.proposed',
  'scaffold.accepted',
  'scaffold.rejected',
  'feedback.decided',
  'training.submitted',
  'training.completed',
  'training.failed',
  'weights.checkpointed',
  'weights.accepted',
  'weights.rejected',
  'weights.served',
  'run.started',
  'reward.recorded',
  'run.finished',
];

export const experimentStream = (experimentId: string) => `experiment-${experimentId}`;

/** Folds everything the loop needs about one experiment (its stream plus its runs) from the log, up to `upTo` when given (time travel). */
export function loadLoopState(store: EventStore, experimentId: string, upTo?: number): LoopState {
  let state = initialLoopState();
  for (const event of store.iterate({ types: LOOP_EVENTS, ...(upTo !== undefined ? { upTo } : {}) })) {
    if ((event.data as { experimentId?: string }).experimentId === experimentId) state = evolve(state, event);
  }
  return state;
}

export function requireExperiment(store: EventStore, experimentId: string): LoopState {
  const state = loadLoopState(store, experimentId);
  if (state.status === 'empty') throw new NotFoundError(`no experiment ${experimentId} in this log`, { hint: 'list them with `sia events --type experiment.created`' });
  return state;
}

/**
 * The imperative shell around the decider: decide on the current state, append to the experiment stream with
 * the version the state was folded at (optimistic concurrency), then evolve with what was stored.
 */
export function createExperimentLog(store: EventStore, experimentId: string, initial?: LoopState) {
  let state = initial ?? loadLoopState(store, experimentId);
  const stream = experimentStream(experimentId);
  let counter = store.streamVersion(stream);

  const apply = (events: StoredEvent[]) => {
    for (const event of events) state = evolve(state, event);
  };

  return {
    get state() {
      return state;
    },
    execute(command: LoopCommand): StoredEvent[] {
      const events = decide(command, state);
      const version = store.streamVersion(stream);
      const result = store.append(
        stream,
        events.map((event) => ({ ...event, id: `${experimentId}-${++counter}` })),
        { expectedVersion: version === 0 ? 'no_stream' : version },
      );
      const stored = store.read({ streamId: stream, after: result.positions[0] - 1, upTo: result.positions[result.positions.length - 1] });
      apply(stored);
      return stored;
    },
    /** Folds events appended outside the decider (run streams) into the state. */
    observe(events: StoredEvent[]) {
      apply(events);
    },
  };
}
export type ExperimentLog = ReturnType<typeof createExperimentLog>;
