import type { NewEvent } from '../../core/ports/event-store.ts';

/** Small valid events for store and projection tests. */
export const hex = (n: number) => n.toString(16).padStart(64, '0');

export function logEvent(id: string, runId = 'r1', index = 0, message = `line ${index}`): NewEvent {
  return { id, type: 'run.step_recorded', data: { runId, exampleId: null, index, step: { kind: 'log', level: 'info', message } } };
}

export function experimentCreated(experimentId: string, id = `${experimentId}-created`): NewEvent {
  return {
    id,
    type: 'experiment.created',
    data: {
      experimentId,
      task: { id: 'gsm8k', source: 'packaged', verifierHash: hex(1) },
      mode: 'w+h',
      seed: 7,
      config: { iterations: 3 },
      splitSizes: { train: 10, dev: 5, holdout: 5 },
      forkOf: null,
    },
  };
}

export function scaffoldProposed(experimentId: string, nodeId: string, parentNodeId: string | null, adapterId: string | null = null): NewEvent {
  return {
    id: `${nodeId}-proposed`,
    type: 'scaffold.proposed',
    data: {
      experimentId,
      nodeId,
      parentNodeId,
      scaffoldId: hex(nodeId.length + 10),
      parentScaffoldId: parentNodeId ? hex(parentNodeId.length + 10) : null,
      adapterId,
      files: { 'solve.mjs': hex(3) },
      entry: 'solve.mjs',
      author: parentNodeId ? 'feedback' : 'meta',
      rationale: 'test',
      diff: '',
      promptHash: null,
      operator: parentNodeId ? 'samples=3' : null,
    },
  };
}

export function verdict(type: 'scaffold.accepted' | 'scaffold.rejected', experimentId: string, nodeId: string): NewEvent {
  return { id: `${nodeId}-${type}`, type, data: { experimentId, nodeId, comparison: null } };
}

export function weightsCheckpointed(experimentId: string, nodeId: string, parentNodeId: string, adapterId: string): NewEvent {
  return {
    id: `${nodeId}-checkpointed`,
    type: 'weights.checkpointed',
    data: {
      experimentId,
      adapterId,
      parentAdapterId: null,
      nodeId,
      parentNodeId,
      scaffoldId: hex(20),
      baseModel: 'tiny',
      algorithm: 'grpo',
      hyperparams: { lr: 0.01 },
      files: { 'adapter_model.safetensors': hex(4) },
      uri: `file:///tmp/${adapterId}`,
      jobId: null,
    },
  };
}

export function runStarted(experimentId: string, runId: string, nodeId: string, split: 'train' | 'dev' | 'holdout', replayOf: string | null = null): NewEvent {
  return {
    id: `${runId}-started`,
    type: 'run.started',
    data: { runId, experimentId, nodeId, scaffoldId: hex(9), adapterId: null, split, exampleIds: ['a', 'b'], replayOf, replayMode: replayOf ? 'live' : null },
  };
}

export function runFinished(experimentId: string, runId: string, nodeId: string, split: 'train' | 'dev' | 'holdout', score: number): NewEvent {
  return {
    id: `${runId}-finished`,
    type: 'run.finished',
    data: {
      runId,
      experimentId,
      nodeId,
      split,
      score,
      metricName: 'accuracy',
      n: 2,
      errors: 0,
      usage: { promptTokens: 1, completionTokens: 1, costUsd: null },
      wallMs: 5,
    },
  };
}

/** A loop run's result on the experiment stream (what the fold scores nodes from). */
export function evaluationRecorded(
  experimentId: string,
  runId: string,
  nodeId: string,
  split: 'train' | 'dev' | 'holdout',
  score: number,
  purpose: 'eval' | 'rollout' = 'eval',
): NewEvent {
  return {
    id: `${runId}-evaluation`,
    type: 'evaluation.recorded',
    data: {
      experimentId,
      runId,
      nodeId,
      split,
      purpose,
      score,
      rewards: { a: score, b: score },
      errors: 0,
      usage: { promptTokens: 1, completionTokens: 1, costUsd: null },
    },
  };
}
