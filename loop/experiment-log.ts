import { ConcurrencyError, NotFoundError } from '../core/errors.ts';
import type { StoredEvent } from '../core/events/index.ts';
import { decide, type LoopCommand } from '../core/loop/decide.ts';
import { isLegacyRunEvent, legacyEvaluation, type OpenLegacyRuns } from '../core/loop/legacy.ts';
import { foldLoop, initialLoopState, type LoopState } from '../core/loop/state.ts';
import type { EventStore } from '../core/ports/event-store.ts';

export const experimentStream = (experimentId: string) => `experiment-${experimentId}`;

const CONFLICT_RETRIES = 5;

/** One experiment's stream, folded; up to `upTo` when given (time travel). */
export function loadLoopState(store: EventStore, experimentId: string, upTo?: number): LoopState {
  return foldStream(store, experimentId, upTo).state;
}

function foldStream(store: EventStore, experimentId: string, upTo?: number): { state: LoopState; position: number; version: number } {
  const stream = experimentStream(experimentId);
  const own = store.read({ streamId: stream, ...(upTo !== undefined ? { upTo } : {}) });
  const events = own[0]?.type === 'experiment.created' && own[0].data.layout === 'legacy' ? withLegacyRuns(store, experimentId, own, upTo) : own;
  const state = foldLoop(initialLoopState(), events);
  return { state, position: own.at(-1)?.position ?? 0, version: own.at(-1)?.streamVersion ?? 0 };
}

/**
 * A log from before the one-stream layout: its runs' results are read from the run streams (a full scan, once).
 * Runs this version already recorded on the stream (a legacy experiment resumed here) are not counted twice.
 */
function withLegacyRuns(store: EventStore, experimentId: string, own: StoredEvent[], upTo?: number): StoredEvent[] {
  const recorded = new Set(own.flatMap((event) => (event.type === 'evaluation.recorded' ? [event.data.runId] : [])));
  const open: OpenLegacyRuns = {};
  const synthesized: StoredEvent[] = [];
  for (const event of store.iterate({ types: ['run.started', 'reward.recorded', 'run.finished'], ...(upTo !== undefined ? { upTo } : {}) })) {
    if (!isLegacyRunEvent(event) || event.data.experimentId !== experimentId || recorded.has(event.data.runId)) continue;
    const evaluation = legacyEvaluation(open, event);
    if (evaluation) synthesized.push(evaluation);
  }
  return [...own, ...synthesized].sort((a, b) => a.position - b.position);
}

export function requireExperiment(store: EventStore, experimentId: string): LoopState {
  const state = loadLoopState(store, experimentId);
  if (state.status === 'empty')
    throw new NotFoundError(`no experiment ${experimentId} in this log`, { hint: 'list them with `sia events --type experiment.created`' });
  return state;
}

/**
 * The command handler around the decider, used live and on reload alike: read the stream, decide, append with
 * the version the state was folded at, and on a ConcurrencyError (another writer got there first) fold what it
 * wrote and decide again.
 */
export function createExperimentLog(store: EventStore, experimentId: string) {
  const stream = experimentStream(experimentId);
  let { state, position, version } = foldStream(store, experimentId);

  const catchUp = () => {
    const events = store.read({ streamId: stream, after: position });
    if (events.length === 0) return;
    state = foldLoop(state, events);
    position = events[events.length - 1].position;
    version = events[events.length - 1].streamVersion;
  };

  return {
    get state() {
      return state;
    },
    execute(command: LoopCommand): StoredEvent[] {
      for (let attempt = 0; ; attempt++) {
        const events = decide(command, state);
        try {
          store.append(
            stream,
            events.map((event, index) => ({ ...event, id: `${experimentId}-${version + index + 1}` })),
            { expectedVersion: version === 0 ? 'no_stream' : version },
          );
        } catch (error) {
          if (!(error instanceof ConcurrencyError) || attempt >= CONFLICT_RETRIES) throw error;
          catchUp();
          continue;
        }
        const before = position;
        catchUp();
        return store.read({ streamId: stream, after: before });
      }
    },
  };
}
export type ExperimentLog = ReturnType<typeof createExperimentLog>;
