import type { EventData, StoredEvent } from '../events/index.ts';

export type LegacyRunEvent = Extract<StoredEvent, { type: 'run.started' | 'reward.recorded' | 'run.finished' }>;
/** Runs of a legacy log seen started and not yet finished, with the rewards recorded so far (plain JSON). */
export type OpenLegacyRuns = Record<string, { started: EventData<'run.started'>; rewards: Record<string, number> }>;

/**
 * Logs written before the one-stream layout kept run results only on run streams. Fed one experiment's run
 * events in log order, this returns the evaluation.recorded the fold reads today when a loop run finishes (eval
 * or rollout; replays and audits were never the loop's), and null otherwise. `open` is updated in place.
 */
export function legacyEvaluation(open: OpenLegacyRuns, event: LegacyRunEvent): StoredEvent | null {
  if (event.type === 'run.started') {
    const { data } = event;
    if (data.replayOf === null && data.purpose !== 'audit') open[data.runId] = { started: data, rewards: {} };
    return null;
  }
  const run = open[event.data.runId];
  if (!run) return null;
  if (event.type === 'reward.recorded') {
    run.rewards[event.data.exampleId] = event.data.reward;
    return null;
  }
  delete open[event.data.runId];
  const { started } = run;
  const data: EventData<'evaluation.recorded'> = {
    experimentId: started.experimentId,
    runId: started.runId,
    nodeId: started.nodeId,
    split: started.split,
    purpose: started.purpose === 'rollout' ? 'rollout' : 'eval',
    score: event.data.score,
    rewards: run.rewards,
    errors: event.data.errors,
    usage: event.data.usage,
  };
  return { ...event, id: `${event.id}-evaluation`, streamId: `experiment-${started.experimentId}`, type: 'evaluation.recorded', schemaVersion: 1, data };
}

export const isLegacyRunEvent = (event: StoredEvent): event is LegacyRunEvent =>
  event.type === 'run.started' || event.type === 'reward.recorded' || event.type === 'run.finished';
