/**
 * The runs of the lineage fixture (tests/support/lineage-fixture.ts): one `run-<id>` stream per node and split, with
 * started/step/reward/finished events, and the evaluation the experiment stream records for it.
 */
import type { Split } from '../../core/events/index.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';

export const usage = { promptTokens: 120, completionTokens: 8, costUsd: null };

export interface RunSpec {
  experimentId: string;
  nodeId: string;
  split: Split;
  scaffoldId: string;
  adapterId: string | null;
  score: number;
  examples: number;
  verifierHash: string;
  runIds: string[];
}

export function writeRun(store: EventStore, run: RunSpec): void {
  const runId = `${run.nodeId}-${run.split}`;
  const exampleIds = Array.from({ length: run.examples }, (_, i) => `${run.split}-${i}`);
  const events: NewEvent[] = [
    {
      id: `${runId}-started`,
      type: 'run.started',
      data: {
        runId,
        experimentId: run.experimentId,
        nodeId: run.nodeId,
        scaffoldId: run.scaffoldId,
        adapterId: run.adapterId,
        split: run.split,
        exampleIds,
        replayOf: null,
        replayMode: null,
        purpose: 'eval',
      },
    },
  ];
  exampleIds.forEach((exampleId, i) => {
    const correct = (i + 1) / run.examples <= run.score + 0.2;
    const answer = correct ? '42' : '41';
    events.push(
      { id: `${runId}-s${i}a`, type: 'run.step_recorded', data: { runId, exampleId, index: 2 * i, step: llmCall(exampleId, answer) } },
      {
        id: `${runId}-s${i}b`,
        type: 'run.step_recorded',
        data: { runId, exampleId, index: 2 * i + 1, step: { kind: 'log', level: 'info', message: `answered ${answer}` } },
      },
      {
        id: `${runId}-reward${i}`,
        type: 'reward.recorded',
        data: {
          runId,
          experimentId: run.experimentId,
          nodeId: run.nodeId,
          exampleId,
          split: run.split,
          reward: correct ? 1 : 0,
          metric: correct ? 1 : 0,
          verifierHash: run.verifierHash,
          output: answer,
        },
      },
    );
  });
  events.push({
    id: `${runId}-finished`,
    type: 'run.finished',
    data: {
      runId,
      experimentId: run.experimentId,
      nodeId: run.nodeId,
      split: run.split,
      score: run.score,
      metricName: 'accuracy',
      n: run.examples,
      errors: 0,
      usage,
      wallMs: 40,
    },
  });
  store.append(`run-${runId}`, events);
  // As the loop records it: the result on the experiment stream, where the fold reads it.
  const rewards = Object.fromEntries(
    events.flatMap((event) =>
      event.type === 'reward.recorded' ? [[(event.data as { exampleId: string }).exampleId, (event.data as { reward: number }).reward]] : [],
    ),
  );
  store.append(`experiment-${run.experimentId}`, [
    {
      id: `${runId}-evaluation`,
      type: 'evaluation.recorded',
      data: { experimentId: run.experimentId, runId, nodeId: run.nodeId, split: run.split, purpose: 'eval', score: run.score, rewards, errors: 0, usage },
    },
  ]);
  run.runIds.push(runId);
}

const llmCall = (exampleId: string, answer: string) => ({
  kind: 'llm_call' as const,
  model: 'policy',
  request: { messages: [{ role: 'user', content: `question ${exampleId}` }], guidedChoice: ['41', '42'], temperature: 0.2 },
  completion: answer,
  tokenIds: [answer === '42' ? 17 : 16],
  logprobs: [-0.3],
  latencyMs: 12,
  usage,
});
