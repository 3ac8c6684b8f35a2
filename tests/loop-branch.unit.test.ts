import { describe, expect, it } from 'vitest';
import { IllegalStateError } from '../core/errors.ts';
import type { SiaEvent } from '../core/events/index.ts';
import { nextStep } from '../core/loop/next-step.ts';
import type { NewEvent } from '../core/ports/event-store.ts';
import { lineageProjection } from '../core/projections/lineage.ts';
import { given } from './support/decider-spec.ts';
import { evaluationRecorded, experimentCreated, scaffoldProposed, verdict } from './support/events.ts';
import { projectionSpec } from './support/projection-spec.ts';

const asEvent = (event: { type: string; data: unknown }) => ({ type: event.type, data: event.data }) as SiaEvent;
const scored = (nodeId: string, split: 'train' | 'dev' | 'holdout', score: number) => [
  asEvent(evaluationRecorded('x', `${nodeId}-${split}`, nodeId, split, score)),
];
const finished: SiaEvent = {
  type: 'experiment.finished',
  data: {
    experimentId: 'x',
    reason: 'iterations',
    bestNodeId: 'n0',
    scores: { dev: 0.3, holdout: 0.2 },
    usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
  },
};
const decided = (iteration: number): SiaEvent => ({
  type: 'feedback.decided',
  data: {
    experimentId: 'x',
    iteration,
    nodeId: 'n0',
    kind: 'harness',
    rationale: 'r',
    algorithm: null,
    advice: null,
    rewardStatistics: { n: 1, mean: 0, std: 0, successRate: 0, density: 0, pairwiseAvailability: 0 },
    agent: 'offline',
    promptHash: null,
    usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
    attempts: 1,
  },
});
// seed n0 accepted, n1 proposed from it and rejected, one iteration used, then finished.
const history = [
  asEvent(experimentCreated('x')),
  asEvent(scaffoldProposed('x', 'n0', null)),
  asEvent(verdict('scaffold.accepted', 'x', 'n0')),
  ...scored('n0', 'train', 0.2),
  ...scored('n0', 'dev', 0.3),
  decided(0),
  asEvent(scaffoldProposed('x', 'n1', 'n0')),
  ...scored('n1', 'dev', 0.25),
  asEvent(verdict('scaffold.rejected', 'x', 'n1')),
  ...scored('n0', 'holdout', 0.2),
  finished,
];
const branch = (fromNodeId: string, iterations = 2) => ({ type: 'Branch' as const, data: { experimentId: 'x', fromNodeId, iterations } });

describe('Given a finished experiment, when it is forked from a node', () => {
  it('records experiment.branched, even though the experiment finished', () => {
    given(...history)
      .when(branch('n0'))
      .then([{ type: 'experiment.branched', data: { fromNodeId: 'n0', iterations: 2 } }]);
    given(...history)
      .when(branch('n1'))
      .then([{ type: 'experiment.branched', data: { fromNodeId: 'n1' } }]);
  });

  it('refuses an unknown node, a node still waiting for its gate, another experiment and an empty log', () => {
    given(...history)
      .when(branch('n9'))
      .thenThrows(IllegalStateError, /not in experiment x/);
    const waiting = [...history.slice(0, 8), asEvent(scaffoldProposed('x', 'n1', 'n0'))];
    given(...waiting)
      .when(branch('n1'))
      .thenThrows(IllegalStateError, /waiting for its gate/);
    given(...history)
      .when({ type: 'Branch', data: { experimentId: 'y', fromNodeId: 'n0', iterations: 1 } })
      .thenThrows(IllegalStateError, /belongs to experiment x/);
    given()
      .when(branch('n0'))
      .thenThrows(IllegalStateError, /does not exist/);
  });

  it('runs again from the forked node with the branch budget: feedback from it, then a new finish', () => {
    const branched: SiaEvent = { type: 'experiment.branched', data: { experimentId: 'x', fromNodeId: 'n0', iterations: 2 } };
    const state = given(...history, branched).state;
    expect(state).toMatchObject({
      status: 'running',
      currentNodeId: 'n0',
      candidateNodeId: null,
      pendingWeights: null,
      stopped: false,
      iteration: 1,
      iterationBudget: 3,
    });
    // The session's --iterations (1) is lower than the branch's budget: the branch still runs its iterations.
    expect(nextStep(state, { iterations: 1, budgetExceeded: false })).toEqual({ type: 'feedback', nodeId: 'n0', iteration: 1 });
    const used = given(...history, branched, decided(1), decided(2)).state;
    expect(nextStep(used, { iterations: 1, budgetExceeded: false })).toMatchObject({ type: 'finish', bestNodeId: 'n0' });
  });
});

describe('nextStep on the last iteration', () => {
  it('trains and gates a weights decision made in the last iteration instead of dropping it', () => {
    const weights: SiaEvent = { ...decided(0), data: { ...(decided(0).data as object), kind: 'weights', algorithm: 'grpo' } } as SiaEvent;
    const state = given(...history.slice(0, 5), weights).state;
    expect(nextStep(state, { iterations: 1, budgetExceeded: false })).toMatchObject({ type: 'train', nodeId: 'n0', algorithm: 'grpo' });
    // Out of budget, the open decision is cancelled explicitly before the loop winds down.
    expect(nextStep(state, { iterations: 1, budgetExceeded: true })).toEqual({ type: 'cancel', nodeId: null, jobId: null });
    const cancelled = given(...history.slice(0, 5), weights, {
      type: 'work.cancelled',
      data: { experimentId: 'x', nodeId: null, jobId: null, reason: 'budget' },
    }).state;
    expect(nextStep(cancelled, { iterations: 1, budgetExceeded: true })).toMatchObject({ type: 'evaluate', split: 'holdout' });
  });
});

describe('lineage projection with branches', () => {
  it('marks the experiment running again, records the branch, and keeps audit runs out of node scores', () => {
    const events = history.map((event, index) => ({ ...event, id: `e${index}` }) as NewEvent);
    const audit: NewEvent[] = [
      {
        id: 'a1',
        type: 'run.started',
        data: {
          runId: 'audit-1',
          experimentId: 'x',
          nodeId: 'n0',
          scaffoldId: 'f'.repeat(64),
          adapterId: null,
          split: 'holdout',
          exampleIds: [],
          replayOf: null,
          replayMode: null,
          purpose: 'audit',
        },
      },
      {
        id: 'a2',
        type: 'run.finished',
        data: {
          runId: 'audit-1',
          experimentId: 'x',
          nodeId: 'n0',
          split: 'holdout',
          score: 0.9,
          metricName: 'accuracy',
          n: 1,
          errors: 0,
          usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
          wallMs: 1,
        },
      },
    ];
    const spec = projectionSpec(lineageProjection).given(...events, ...audit);
    expect(spec.then().experiments.x).toMatchObject({ status: 'finished', branches: [] });
    expect(spec.then().nodes.n0.scores.holdout).toBe(0.2);
    const state = spec.when({ id: 'b1', type: 'experiment.branched', data: { experimentId: 'x', fromNodeId: 'n1', iterations: 3 } }).then();
    expect(state.experiments.x.status).toBe('running');
    expect(state.experiments.x.branches).toEqual([{ fromNodeId: 'n1', iterations: 3, position: expect.any(Number) }]);
  });
});
