import { describe, expect, it } from 'vitest';
import { IllegalStateError } from '../core/errors.ts';
import type { EventData, GateComparison, SiaEvent } from '../core/events/index.ts';
import { nextStep } from '../core/loop/next-step.ts';
import { given } from './support/decider-spec.ts';
import { evaluationRecorded, experimentCreated, hex, runStarted, scaffoldProposed, weightsCheckpointed } from './support/events.ts';

const asEvent = (event: { type: string; data: unknown }) => ({ type: event.type, data: event.data }) as SiaEvent;
const created = (mode: 'h' | 'w+h' = 'w+h') => {
  const event = asEvent(experimentCreated('x'));
  return { ...event, data: { ...event.data, mode } } as SiaEvent;
};
const seed = asEvent(scaffoldProposed('x', 'n0', null));
const seedAccepted: SiaEvent = { type: 'scaffold.accepted', data: { experimentId: 'x', nodeId: 'n0', comparison: null } };
const scored = (nodeId: string, split: 'train' | 'dev' | 'holdout', score: number, runId = `${nodeId}-${split}`): SiaEvent[] => [
  asEvent(evaluationRecorded('x', runId, nodeId, split, score)),
];
const decision = (kind: 'harness' | 'weights' | 'stop', iteration = 0, algorithm: string | null = null): EventData<'feedback.decided'> => ({
  experimentId: 'x',
  iteration,
  nodeId: 'n0',
  kind,
  rationale: 'because',
  algorithm,
  advice: null,
  rewardStatistics: { n: 1, mean: 0, std: 0, successRate: 0, density: 0, pairwiseAvailability: 0 },
  agent: 'offline',
  promptHash: null,
  usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
  attempts: 1,
});
const comparison = (accepted: boolean): GateComparison => ({
  split: 'dev',
  n: 3,
  parentScore: 0.3,
  candidateScore: 0.6,
  meanDifference: 0.3,
  lowerBound: accepted ? 0.1 : -0.1,
  upperBound: 0.5,
  confidence: 0.9,
  resamples: 100,
  seed: 1,
  accepted,
  reason: 'test',
});
const limits = { iterations: 3, budgetExceeded: false };

describe('When running the loop decider', () => {
  it('creates an experiment only once', () => {
    given()
      .when({ type: 'CreateExperiment', data: asEvent(experimentCreated('x')).data as never })
      .then([{ type: 'experiment.created' }]);
    given(created())
      .when({ type: 'CreateExperiment', data: asEvent(experimentCreated('x')).data as never })
      .thenThrows(IllegalStateError, /already exists/);
  });

  it('accepts the seed scaffold as the starting point', () => {
    given(created())
      .when({ type: 'ProposeSeed', data: seed.data as never })
      .then([{ type: 'scaffold.proposed' }, { type: 'scaffold.accepted', data: { nodeId: 'n0', comparison: null } }]);
  });

  it('records a harness decision together with its scaffold, keeping the parent adapter frozen', () => {
    const proposal = scaffoldProposed('x', 'n1', 'n0').data as EventData<'scaffold.proposed'>;
    given(created(), seed, seedAccepted)
      .when({ type: 'RecordDecision', decision: decision('harness'), scaffold: proposal })
      .then([{ type: 'feedback.decided' }, { type: 'scaffold.proposed', data: { nodeId: 'n1', parentNodeId: 'n0' } }]);
    given(created(), seed, seedAccepted)
      .when({ type: 'RecordDecision', decision: decision('harness'), scaffold: { ...proposal, adapterId: 'a9' } })
      .thenThrows(IllegalStateError, /frozen/);
  });

  it('refuses weight updates in mode h', () => {
    given(created('h'), seed, seedAccepted)
      .when({ type: 'RecordDecision', decision: decision('weights', 0, 'grpo'), scaffold: null })
      .thenThrows(IllegalStateError, /mode h/);
  });

  it('gates a weights node into weights.accepted / weights.rejected with the comparison', () => {
    const history = [
      created(),
      seed,
      seedAccepted,
      asEvent({ type: 'feedback.decided', data: decision('weights', 0, 'grpo') }),
      asEvent(weightsCheckpointed('x', 'n2', 'n0', 'a1')),
    ];
    given(...history)
      .when({ type: 'Gate', nodeId: 'n2', comparison: comparison(true) })
      .then([{ type: 'weights.accepted', data: { adapterId: 'a1', comparison: { accepted: true } } }]);
    given(...history)
      .when({ type: 'Gate', nodeId: 'n2', comparison: comparison(false) })
      .then([{ type: 'weights.rejected' }]);
    given(...history)
      .when({ type: 'Gate', nodeId: 'n0', comparison: comparison(true) })
      .thenThrows(IllegalStateError, /not waiting/);
  });

  it('records a served adapter only when it changes, so a rollback to the parent is one weights.served', () => {
    const history = [
      created(),
      seed,
      seedAccepted,
      asEvent({ type: 'feedback.decided', data: decision('weights', 0, 'grpo') }),
      asEvent(weightsCheckpointed('x', 'n2', 'n0', 'a1')),
    ];
    const serve = (adapterId: string | null, servedName: string) => ({ experimentId: 'x', adapterId, servedName, endpoint: 'http://127.0.0.1:8000/v1' });
    const servedEvent = (adapterId: string | null, servedName: string): SiaEvent => ({ type: 'weights.served', data: serve(adapterId, servedName) });
    given(...history)
      .when({ type: 'RecordServing', data: serve(null, 'base') })
      .then([{ type: 'weights.served', data: { adapterId: null, servedName: 'base' } }]);
    given(...history, servedEvent(null, 'base'))
      .when({ type: 'RecordServing', data: serve('a1', 'a1') })
      .then([{ type: 'weights.served', data: { adapterId: 'a1' } }]);
    given(...history, servedEvent(null, 'base'), servedEvent('a1', 'a1'))
      .when({ type: 'RecordServing', data: serve(null, 'base') })
      .then([{ type: 'weights.served', data: { adapterId: null, servedName: 'base' } }]);
    given(...history, servedEvent('a1', 'a1'))
      .when({ type: 'RecordServing', data: serve('a1', 'a1') })
      .thenThrows(IllegalStateError, /already served/);
    given(...history)
      .when({ type: 'RecordServing', data: serve('a9', 'a9') })
      .thenThrows(IllegalStateError, /never checkpointed/);
  });

  it("records an adapter's serving parity once", () => {
    const parity = (adapterId: string) => ({
      experimentId: 'x',
      adapterId,
      servedName: adapterId,
      endpoint: 'http://127.0.0.1:8000/v1',
      dtype: null,
      tokens: 0,
      maxAbsDiff: null,
      meanAbsDiff: null,
      threshold: 0.1,
      passed: null,
      skipped: 'no probe',
    });
    given(created())
      .when({ type: 'RecordServingParity', data: parity('a1') })
      .then([{ type: 'serving.parity_checked', data: { adapterId: 'a1' } }]);
    given(created(), { type: 'serving.parity_checked', data: parity('a1') })
      .when({ type: 'RecordServingParity', data: parity('a2') })
      .then([{ type: 'serving.parity_checked', data: { adapterId: 'a2' } }]);
    given(created(), { type: 'serving.parity_checked', data: parity('a1') })
      .when({ type: 'RecordServingParity', data: parity('a1') })
      .thenThrows(IllegalStateError, /already recorded/);
  });

  it('refuses commands after the experiment finished', () => {
    const finished: SiaEvent = {
      type: 'experiment.finished',
      data: {
        experimentId: 'x',
        reason: 'stop',
        bestNodeId: 'n0',
        scores: { dev: 0.1, holdout: 0.1 },
        usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
      },
    };
    given(created(), seed, seedAccepted, finished)
      .when({ type: 'RecordDecision', decision: decision('stop'), scaffold: null })
      .thenThrows(IllegalStateError, /finished/);
  });
});

describe('nextStep: what the shell does next, from the log alone', () => {
  it('walks create → meta → evaluate train and dev → feedback', () => {
    expect(nextStep(given().state, limits)).toEqual({ type: 'create' });
    expect(nextStep(given(created()).state, limits)).toEqual({ type: 'meta' });
    expect(nextStep(given(created(), seed, seedAccepted).state, limits)).toEqual({ type: 'evaluate', nodeId: 'n0', split: 'train' });
    expect(nextStep(given(created(), seed, seedAccepted, ...scored('n0', 'train', 0.2)).state, limits)).toEqual({
      type: 'evaluate',
      nodeId: 'n0',
      split: 'dev',
    });
    const ready = given(created(), seed, seedAccepted, ...scored('n0', 'train', 0.2), ...scored('n0', 'dev', 0.3)).state;
    expect(nextStep(ready, limits)).toEqual({ type: 'feedback', nodeId: 'n0', iteration: 0 });
  });

  it('re-runs an evaluation whose run never recorded its result (resume after a kill)', () => {
    const killed = given(created(), seed, seedAccepted, asEvent(runStarted('x', 'r-killed', 'n0', 'train'))).state;
    expect(nextStep(killed, limits)).toEqual({ type: 'evaluate', nodeId: 'n0', split: 'train' });
  });

  it('evaluates and gates a candidate, then polls an open training job again', () => {
    const base = [created(), seed, seedAccepted, ...scored('n0', 'train', 0.2), ...scored('n0', 'dev', 0.3)];
    const harness = [...base, asEvent({ type: 'feedback.decided', data: decision('harness') }), asEvent(scaffoldProposed('x', 'n1', 'n0'))];
    expect(nextStep(given(...harness).state, limits)).toEqual({ type: 'evaluate', nodeId: 'n1', split: 'dev' });
    expect(nextStep(given(...harness, ...scored('n1', 'dev', 0.5)).state, limits)).toEqual({ type: 'gate', nodeId: 'n1', parentId: 'n0' });
    const submitted: SiaEvent = {
      type: 'training.submitted',
      data: { experimentId: 'x', jobId: 'job-1', trainer: 'tiny', algorithm: 'grpo', nodeId: 'n0', job: {}, batchSha256: hex(5), handle: 'h1' },
    };
    const training = [...base, asEvent({ type: 'feedback.decided', data: decision('weights', 0, 'grpo') }), submitted];
    expect(nextStep(given(...training).state, limits)).toEqual({ type: 'train', nodeId: 'n0', algorithm: 'grpo', iteration: 0, resumeJobId: 'job-1' });
  });

  it('scores holdout only for the best dev node at the end, then finishes', () => {
    const base = [created(), seed, seedAccepted, ...scored('n0', 'train', 0.2), ...scored('n0', 'dev', 0.3)];
    const stopped = [...base, asEvent({ type: 'feedback.decided', data: decision('stop') })];
    expect(nextStep(given(...stopped).state, limits)).toEqual({ type: 'evaluate', nodeId: 'n0', split: 'holdout' });
    expect(nextStep(given(...stopped, ...scored('n0', 'holdout', 0.25)).state, limits)).toEqual({ type: 'finish', bestNodeId: 'n0', reason: 'stop' });
    expect(nextStep(given(...base).state, { iterations: 3, budgetExceeded: true })).toMatchObject({ type: 'evaluate', split: 'holdout' });
  });
});
