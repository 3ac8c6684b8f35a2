/** A Feedback-Agent's hyperparameters are validated by the algorithm's schema, applied to the job and recorded. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hashing.ts';
import type { Decision, FeedbackAgent } from '../core/ports/agents.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { resolveHyperparams } from '../loop/hyperparams.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { getAlgorithm } from '../plugins/algorithms/index.ts';
import { createOfflineAgents } from '../plugins/providers/offline.ts';
import { loadTask } from '../plugins/tasks/index.ts';

function scripted(decisions: Decision[]): FeedbackAgent {
  let next = 0;
  return {
    id: 'scripted',
    prompt: { hash: sha256Hex('scripted'), text: 'scripted' },
    async decide() {
      return {
        decision: decisions[next++] ?? { kind: 'stop', rationale: 'script done' },
        promptHash: null,
        usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
        attempts: 1,
      };
    },
  } as unknown as FeedbackAgent;
}

async function runWith(decisions: Decision[], algorithmOptions?: Record<string, Record<string, unknown>>) {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-hyper-')), 'sia.db');
  const store = openSqliteEventStore(dbFile);
  const task = await loadTask('lawbench', { train: 12, dev: 8, holdout: 8 });
  const options = { ...DEFAULT_OPTIONS, iterations: 1, groupSize: 2, ...(algorithmOptions ? { algorithmOptions } : {}) };
  const experimentId = await runSession({
    store,
    dbFile,
    task,
    config: {},
    settings: { task: 'lawbench', mode: 'w+h', seed: 0, agents: 'offline', policy: 'tiny', trainer: 'tiny', options },
    stackOverrides: { feedback: scripted(decisions), meta: createOfflineAgents().meta },
  });
  return { store, experimentId };
}

describe('resolveHyperparams', () => {
  const grpo = getAlgorithm('grpo');
  const options = { training: { lr: 0.05, epochs: 4, rank: 32 } };
  it('splits trainer settings from algorithm options and fills the session defaults', () => {
    expect(resolveHyperparams(grpo, { lr: 0.01, clipLow: 0.1 }, options)).toEqual({
      training: { lr: 0.01, epochs: 4, minibatches: 1 },
      options: { clipLow: 0.1 },
    });
    expect(resolveHyperparams(grpo, { training: { epochs: 2 }, options: { variant: 'dr-grpo' } }, options)).toEqual({
      training: { lr: 0.05, epochs: 2, minibatches: 1 },
      options: { variant: 'dr-grpo' },
    });
    expect(resolveHyperparams(grpo, { epsilon: 1e-4 }, { ...options, algorithmOptions: { grpo: { klCoef: 0.1 } } }).options).toEqual({
      klCoef: 0.1,
      epsilon: 1e-4,
    });
  });
  it('refuses what the algorithm schema or the trainer limits refuse, naming the key', () => {
    expect(() => resolveHyperparams(grpo, { clipLow: -1 }, options)).toThrow(/hyperparams\.clipLow/);
    expect(() => resolveHyperparams(grpo, { beta: 0.1 }, options)).toThrow(/hyperparams\.beta.*not an option of grpo/);
    expect(() => resolveHyperparams(grpo, { lr: 0 }, options)).toThrow(/hyperparams\.lr/);
    expect(() => resolveHyperparams(getAlgorithm('dpo'), { beta: 'high' }, options)).toThrow(/hyperparams\.beta/);
  });
});

describe('a weights decision with hyperparameters', () => {
  it('records them in feedback.decided and training.submitted and trains with them', { timeout: 120_000 }, async () => {
    const { store } = await runWith([
      { kind: 'weights', algorithm: 'grpo', rationale: 'try', hyperparams: { lr: 0.02, epochs: 2, clipLow: 0.1, variant: 'dr-grpo' } },
    ]);
    const decided = store.read({ types: ['feedback.decided'] }).map((event) => event.data as Record<string, unknown>);
    expect(decided[0]).toMatchObject({
      kind: 'weights',
      hyperparams: { training: { lr: 0.02, epochs: 2, minibatches: 1 }, options: { clipLow: 0.1, variant: 'dr-grpo' } },
    });
    expect(decided[0].rewardStatistics).toMatchObject({ source: 'rollouts', groupSize: 2 });
    const submitted = store.read({ types: ['training.submitted'] })[0].data as unknown as {
      job: { optim: { lr: number; epochs: number }; loss: { clip_low: number; agg: string } };
      hyperparams: unknown;
    };
    expect(submitted.job.optim).toMatchObject({ lr: 0.02, epochs: 2 });
    expect(submitted.job.loss).toMatchObject({ clip_low: 0.1, agg: 'constant' });
    expect(submitted.hyperparams).toEqual({ training: { lr: 0.02, epochs: 2, minibatches: 1 }, options: { clipLow: 0.1, variant: 'dr-grpo' } });
    const checkpoint = store.read({ types: ['weights.checkpointed'] })[0].data as { hyperparams: Record<string, unknown> };
    expect(checkpoint.hyperparams).toMatchObject({ lr: 0.02, epochs: 2, options: { variant: 'dr-grpo' } });
    // The probe's rollouts are what trained: no second collection.
    expect(store.read({ types: ['evaluation.recorded'] }).filter((event) => (event.data as { purpose: string }).purpose === 'rollout')).toHaveLength(2);
    store.close();
  });
  it('session algorithm options apply when the agent gives none', { timeout: 120_000 }, async () => {
    const { store } = await runWith([{ kind: 'weights', algorithm: 'grpo', rationale: 'try' }], { grpo: { clipHigh: 0.3 } });
    const submitted = store.read({ types: ['training.submitted'] })[0].data as unknown as { job: { loss: { clip_high: number } } };
    expect(submitted.job.loss.clip_high).toBe(0.3);
    store.close();
  });
  it('ends the search on hyperparameters the schema refuses instead of dropping them', { timeout: 120_000 }, async () => {
    const { store } = await runWith([{ kind: 'weights', algorithm: 'grpo', rationale: 'try', hyperparams: { clipLow: -3 } }]);
    const decided = store.read({ types: ['feedback.decided'] }).map((event) => event.data as { kind: string; rationale: string });
    expect(decided[0].kind).toBe('stop');
    expect(decided[0].rationale).toMatch(/invalid hyperparameters for grpo: .*clipLow/);
    expect(store.read({ types: ['training.submitted'] })).toHaveLength(0);
    store.close();
  });
});
