/** Each algorithm plugin on a toy bandit: its rows and loss gradients move probability the right way. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { Algorithm } from '../core/ports/algorithm.ts';
import type { SequenceRow } from '../core/ports/trainer.ts';
import { sequenceLoss } from '../core/rl/loss.ts';
import { completeLossSpec } from '../core/rl/loss-spec.ts';
import { getAlgorithm, listAlgorithms } from '../plugins/algorithms/index.ts';
import { parseTrainJob, parseTrainRows } from '../plugins/trainers/job-schema.ts';
import { expectedReward, logProbability, preferenceStep, probabilities, rollout, sampleGroups, sequenceStep } from './support/bandit.ts';

const THETA = [0.3, -0.2, 0.1, 0, 0.2, -0.1, -1.0, 0.05];
const graded = (action: number) => [0.1, 0.0, 0.3, 0.6, 0.2, 0.4, 1.0, 0.5][action];
const binary = (action: number) => (action === 2 || action === 5 ? 1 : 0);
const rare = (action: number) => (action === 6 ? 1 : 0);

/** Plans on fresh samples from the current policy and takes a gradient step, `steps` times. */
function train(algorithm: Algorithm, rewardOf: (action: number) => number, options: Record<string, unknown> = {}, steps = 5, learningRate = 1) {
  let theta = THETA;
  for (let step = 0; step < steps; step++) {
    const plan = algorithm.plan(sampleGroups(theta, rewardOf, 12, 8, 100 + step), options);
    theta = plan.loss.kind === 'dpo' ? preferenceStep(theta, plan, learningRate).theta : sequenceStep(theta, plan, learningRate).theta;
  }
  return theta;
}

describe('registry', () => {
  it('lists the seven algorithms with unique ids', () => {
    const ids = listAlgorithms().map((algorithm) => algorithm.id);
    expect(ids.sort()).toEqual(['bon-bc', 'dpo', 'entropic', 'grpo', 'ppo-gae', 'reinforce-kl', 'rloo']);
  });
  it('getAlgorithm names the unknown id and lists the known ones', () => {
    expect(() => getAlgorithm('ppo2')).toThrow(ValidationError);
    expect(() => getAlgorithm('ppo2')).toThrow(/unknown algorithm "ppo2"; known: ppo-gae, grpo, rloo, entropic, reinforce-kl, dpo, bon-bc/);
  });
  it.each(listAlgorithms().map((algorithm) => [algorithm.id, algorithm] as const))('%s: rows and loss pass the trainer schema', (_, algorithm) => {
    const plan = algorithm.plan(sampleGroups(THETA, graded, 4, 4, 7, THETA));
    expect(plan.rows.length).toBeGreaterThan(0);
    expect(() => parseTrainRows(JSON.parse(JSON.stringify(plan.rows)))).not.toThrow();
    const job = {
      schema: 'sia.train-job/v1',
      job_id: 'j',
      base_model: 'm',
      base_revision: null,
      adapter_in: null,
      adapter_out: 'out',
      lora: { rank: 4, alpha: 4, dropout: 0, target_modules: 'all-linear', target_parameters: [] },
      loss: completeLossSpec(plan.loss),
      optim: { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip: 1, epochs: 1, minibatches: 1, seed: 0 },
      data: { uri: 'x', sha256: '0'.repeat(64), n_rows: plan.rows.length },
    };
    expect(() => parseTrainJob(job)).not.toThrow();
  });
  it('options are validated with the option named', () => {
    expect(() => getAlgorithm('grpo').plan([], { epsilonn: 1 })).toThrow(/options\.epsilonn: is not an option of grpo/);
    expect(() => getAlgorithm('grpo').plan([], { variant: 'ppo' })).toThrow(/options\.variant/);
    expect(() => getAlgorithm('bon-bc').plan([], { k: 0 })).toThrow(/options\.k/);
  });
  it('a rollout whose arrays do not line up is refused, naming it', () => {
    const bad = { ...rollout(THETA, 1, 1, 'g', 0), samplerLogprobs: [] };
    expect(() => getAlgorithm('rloo').plan([[bad]])).toThrow(/groups\[0\]\[0\]\.samplerLogprobs/);
  });
});

describe('policy-gradient algorithms raise the reward on a bandit', () => {
  it.each([
    // Unscaled advantages (RLOO, REINFORCE) are a few times smaller than std-scaled ones, hence the larger step.
    ['grpo', {}, binary, 1],
    ['grpo', { variant: 'dr-grpo' }, binary, 1],
    ['grpo', { epsilon: 1e-4, klCoef: 0.05 }, binary, 1],
    ['rloo', {}, graded, 3],
    ['reinforce-kl', {}, graded, 3],
    ['reinforce-kl', { klEstimator: 'k3' }, graded, 3],
    ['entropic', {}, rare, 1],
    ['entropic', { beta: 2 }, rare, 1],
    ['entropic', { variant: 'rs-grpo' }, rare, 1],
  ] as const)('%s %j', (id, options, rewardOf, learningRate) => {
    const trained = train(getAlgorithm(id), rewardOf, options, 5, learningRate);
    expect(expectedReward(trained, rewardOf)).toBeGreaterThan(expectedReward(THETA, rewardOf) + 0.05);
  });

  it('grpo: positive-advantage actions gain mass, negative ones lose it', () => {
    const plan = getAlgorithm('grpo').plan(sampleGroups(THETA, binary, 1, 8, 3));
    const { theta } = sequenceStep(THETA, plan, 0.5);
    const rows = plan.rows as SequenceRow[];
    const winners = rows.filter((row) => row.advantages![0] > 0).map((row) => row.tokens[0]);
    expect(winners.length).toBeGreaterThan(0);
    for (const action of winners) expect(probabilities(theta)[action]).toBeGreaterThan(probabilities(THETA)[action]);
  });

  it('entropic: the rare winner gets a large advantage and gains more mass than under GRPO', () => {
    const groups = sampleGroups(THETA, rare, 12, 8, 11);
    const entropic = getAlgorithm('entropic').plan(groups);
    expect(entropic.stats.adv_max).toBeGreaterThan(5);
    const grpoTheta = sequenceStep(THETA, getAlgorithm('grpo').plan(groups), 1).theta;
    const entropicTheta = sequenceStep(THETA, entropic, 1).theta;
    expect(probabilities(entropicTheta)[6]).toBeGreaterThan(probabilities(grpoTheta)[6]);
  });

  it('ppo-gae: with a critic, high-reward actions gain mass and the value moves toward the return', () => {
    let theta = THETA;
    for (let step = 0; step < 5; step++) {
      const plan = getAlgorithm('ppo-gae').plan(sampleGroups(theta, graded, 12, 8, 200 + step));
      const values = plan.rows.map(() => [0.4]);
      const { theta: next, result } = sequenceStep(theta, plan, 1, values);
      (plan.rows as SequenceRow[]).forEach((row, i) => {
        // descent on v: dL/dv < 0 (v rises) where the return beats 0.4, > 0 where it falls short
        expect(Math.sign(result.gradValues![i][0])).toBe(row.rewards![0] > 0.4 ? -1 : row.rewards![0] < 0.4 ? 1 : 0);
      });
      theta = next;
    }
    expect(expectedReward(theta, graded)).toBeGreaterThan(expectedReward(THETA, graded) + 0.05);
  });

  it('reinforce-kl: with zero reward the KL in the reward pulls a drifted policy back toward the base', () => {
    const base = THETA;
    const drifted = THETA.map((logit, b) => (b === 0 ? logit + 2 : logit));
    const kl = (theta: number[]) => probabilities(theta).reduce((total, p, a) => total + p * (Math.log(p) - logProbability(base, a)), 0);
    const plan = getAlgorithm('reinforce-kl').plan(
      sampleGroups(drifted, () => 0, 12, 8, 5, base),
      { klCoef: 1 },
    );
    expect(kl(sequenceStep(drifted, plan, 0.5).theta)).toBeLessThan(kl(drifted));
  });
});

describe('PPO clipping', () => {
  it('stops the gradient of a positive-advantage token whose ratio left the trust region, not of one inside it', () => {
    const groups = [[rollout(THETA, 3, 1, 'g', 0), rollout(THETA, 4, 0, 'g', 1)]];
    const plan = getAlgorithm('grpo').plan(groups);
    const rows = plan.rows as SequenceRow[];
    const spec = completeLossSpec(plan.loss);
    const inside = sequenceLoss(
      spec,
      rows,
      rows.map((row) => [row.sampler_logprobs[0] + 0.1]),
    );
    const outside = sequenceLoss(
      spec,
      rows,
      rows.map((row) => [row.sampler_logprobs[0] + 0.5]),
    );
    expect(inside.gradLogprobs[0][0]).toBeLessThan(0);
    expect(outside.gradLogprobs[0][0]).toBe(0);
    // the negative-advantage token with ρ > 1+ε is not clipped: its loss still grows with ρ
    expect(outside.gradLogprobs[1][0]).toBeGreaterThan(0);
    expect(outside.metrics.clipfrac).toBe(0.5);
  });
});

describe('dpo and bon-bc', () => {
  it('dpo pairs best vs worst of each varied group, and a step grows the margin', () => {
    const groups = sampleGroups(THETA, graded, 12, 8, 9);
    const plan = getAlgorithm('dpo').plan(groups);
    expect(plan.rows.length).toBe(groups.filter((group) => new Set(group.map((r) => r.reward)).size > 1).length);
    const { before, after } = preferenceStep(THETA, plan, 1);
    expect(after.metrics.margin).toBeGreaterThan(before.metrics.margin);
    expect(after.loss).toBeLessThan(before.loss);
    // DPO's gradient carries a factor β = 0.1, hence the larger step.
    expect(expectedReward(train(getAlgorithm('dpo'), graded, {}, 5, 10), graded)).toBeGreaterThan(expectedReward(THETA, graded) + 0.05);
  });

  it('dpo chooses the best (ties → lower index) and rejects the worst', () => {
    const group = [0.2, 0.9, 0.1, 0.9, 0.1].map((reward, i) => rollout(THETA, i, reward, 'g', i));
    const [pair] = getAlgorithm('dpo').plan([group, group.map((r) => ({ ...r, reward: 0.5 }))]).rows as {
      chosen: { tokens: number[] };
      rejected: { tokens: number[] };
    }[];
    expect([pair.chosen.tokens[0], pair.rejected.tokens[0]]).toEqual([1, 2]);
  });

  it("bon-bc keeps the top k and a step raises the best sample's probability", () => {
    const group = [0, 1, 2, 3, 4, 5, 6, 7].map((action, i) => rollout(THETA, action, graded(action), 'g', i));
    const plan = getAlgorithm('bon-bc').plan([group], { k: 2 });
    expect((plan.rows as SequenceRow[]).map((row) => row.tokens[0])).toEqual([6, 3]);
    const { theta } = sequenceStep(THETA, getAlgorithm('bon-bc').plan([group]), 1);
    expect(probabilities(theta)[6]).toBeGreaterThan(probabilities(THETA)[6]);
  });

  it('bon-bc skips constant groups unless a threshold says they pass', () => {
    const constant = [0, 1].map((action, i) => rollout(THETA, action, 1, 'g', i));
    expect(getAlgorithm('bon-bc').plan([constant]).rows).toHaveLength(0);
    expect(getAlgorithm('bon-bc').plan([constant], { threshold: 1, k: 2 }).rows).toHaveLength(2);
  });
});
