import type { EventData, StoredEvent } from '../events/index.ts';

type RunEvent = Extract<StoredEvent, { type: 'run.started' | 'reward.recorded' | 'run.finished' }>;

/**
 * Logs written before the one-stream layout kept run results only on run streams. This turns one experiment's
 * run events, in log order, into the evaluation.recorded events the fold reads today (one per finished eval or
 * rollout run of the loop; replays and audits were never the loop's). `recorded` names runs the experiment
 * stream already carries (a legacy experiment resumed by this version), so nothing is counted twice.
 */
export function legacyEvaluations(experimentStream: string, runEvents: Iterable<RunEvent>, recorded: Set<string>): StoredEvent[] {
  const open = new Map<string, { started: EventData<'run.started'>; rewards: Record<string, number> }>();
  const out: StoredEvent[] = [];
  for (const event of runEvents) {
    if (event.type === 'run.started') {
      const { data } = event;
      if (data.replayOf === null && data.purpose !== 'audit' && !recorded.has(data.runId)) open.set(data.runId, { started: data, rewards: {} });
      continue;
    }
    const run = open.get(event.data.runId);
    if (!run) continue;
    if (event.type === 'reward.recorded') {
      run.rewards[event.data.exampleId] = event.data.reward;
      continue;
    }
    open.delete(event.data.runId);
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
    out.push({ ...event, id: `${event.id}-evaluation`, streamId: experimentStream, type: 'evaluation.recorded', schemaVersion: 1, data });
  }
  return out;
}

/** Merges two position-ordered event lists into one. */
export function byPosition(a: StoredEvent[], b: StoredEvent[]): StoredEvent[] {
  return [...a, ...b].sort((x, y) => x.position - y.position);
}
