/** Properties of the RL kernels and finite-difference checks of sequenceLoss / preferenceLoss gradients. */
import { describe, expect, it } from 'vitest';
import type { PreferenceRow, SequenceRow } from '../core/ports/trainer.ts';
import { mulberry32 } from '../core/random.ts';
import { adaptiveEntropicBeta, ENTROPIC_KL_TARGET, entropicKl } from '../core/rl/entropic.ts';
import { gae, maskedWhiten } from '../core/rl/gae.ts';
import { grpoAdvantages, rlooAdvantages } from '../core/rl/group-advantages.ts';
import { klToken } from '../core/rl/kl.ts';
import { type LossSpec, preferenceLoss, sequenceLoss } from '../core/rl/loss.ts';
import { completeLossSpec } from '../core/rl/loss-spec.ts';
import { mean, sampleStd } from '../core/rl/numeric.ts';
import { clippedValueToken } from '../core/rl/ppo.ts';
import { tinkerLoss } from '../core/rl/token-losses.ts';
import { expectClose } from './support/close.ts';

const random = mulberry32(20251124);
const uniform = (low: number, high: number) => low + (high - low) * random();
const randomGroup = (size: number, binary: boolean) => Array.from({ length: size }, () => (binary ? (random() < 0.3 ? 1 : 0) : uniform(-1, 2)));

function spec(overrides: Partial<LossSpec> = {}): LossSpec {
  return { ...completeLossSpec({ kind: 'ppo_clip', clip_high: 0.28, gae: { gamma: 0.99, lam: 0.95, vf_coef: 0.1, clip_value: 0.2 } }), ...overrides };
}

describe('group advantages', () => {
  it('GRPO, Dr.GRPO and RLOO advantages sum to 0 within every group of size ≥ 2', () => {
    for (let trial = 0; trial < 200; trial++) {
      const rewards = randomGroup(2 + Math.floor(random() * 10), trial % 2 === 0);
      for (const advantages of [grpoAdvantages(rewards), grpoAdvantages(rewards, { scaleByStd: false }), rlooAdvantages(rewards)]) {
        expect(Math.abs(advantages.reduce((a, b) => a + b, 0))).toBeLessThan(1e-9);
      }
    }
  });
  it('GRPO advantages have n−1 std of 1 (up to ε) when the group varies', () => {
    const rewards = randomGroup(8, false);
    expect(sampleStd(grpoAdvantages(rewards))).toBeCloseTo(1, 5);
  });
});

describe('adaptive entropic β', () => {
  it('hits KL(softmax(βr) ‖ U) = ln 2 whenever the target is reachable, and stops at the cap below it otherwise', () => {
    const trials = Array.from({ length: 100 }, (_, trial) => {
      const rewards = randomGroup(2 + Math.floor(random() * 14), trial % 3 === 0);
      const beta = adaptiveEntropicBeta(rewards);
      return { capped: beta === 2 ** 20, kl: entropicKl(rewards, beta) };
    });
    const reached = trials.filter((trial) => !trial.capped);
    const capped = trials.filter((trial) => trial.capped);
    expect(reached.length).toBeGreaterThan(50);
    expect(Math.max(...reached.map((trial) => Math.abs(trial.kl - ENTROPIC_KL_TARGET)))).toBeLessThan(1e-9);
    expect(capped.every((trial) => trial.kl < ENTROPIC_KL_TARGET)).toBe(true);
  });
});

describe('GAE and whitening', () => {
  it('whitened advantages have mean 0 and unbiased variance ≈ 1 over valid tokens', () => {
    const mask = [
      [0, 1, 1, 1, 1],
      [0, 0, 1, 1, 0],
    ];
    const advantages = mask.map(
      (row) =>
        gae(
          row.map(() => uniform(0, 1)),
          row.map(() => uniform(0, 1)),
          row,
          1,
          0.95,
        ).advantages,
    );
    const whitened = maskedWhiten(advantages, mask).flatMap((row, i) => row.filter((_, t) => mask[i][t] > 0));
    expect(Math.abs(mean(whitened))).toBeLessThan(1e-12);
    expect(sampleStd(whitened)).toBeCloseTo(1, 6);
  });
  it('γ = λ = 1 gives Monte Carlo returns regardless of the values', () => {
    const result = gae([0.2, 0, 1], [5, -3, 7], [1, 1, 1], 1, 1);
    expectClose(result.returns, [1.2, 1, 1]);
  });
});

/** Central finite differences of f at x along each coordinate. */
function numericGradient(f: (x: number[][]) => number, x: number[][], step = 1e-6): number[][] {
  return x.map((row, i) =>
    row.map((_, t) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      plus[i][t] += step;
      minus[i][t] -= step;
      return (f(plus) - f(minus)) / (2 * step);
    }),
  );
}

function randomRows(count: number): SequenceRow[] {
  return Array.from({ length: count }, (_, i) => {
    const length = 3 + i;
    const mask = Array.from({ length }, (_, t) => (t === 0 ? 0 : random() < 0.85 ? 1 : 0));
    return {
      group: 'g',
      traj: `t${i}`,
      tokens: mask.map((_, t) => t),
      mask,
      sampler_logprobs: mask.map(() => uniform(-3, -0.1)),
      advantages: mask.map((m) => (m ? uniform(-2, 2) : 0)),
      rewards: mask.map((m) => (m && random() < 0.5 ? uniform(0, 1) : 0)),
      ref_logprobs: mask.map(() => uniform(-3, -0.1)),
      reward: uniform(0, 1),
    };
  });
}

const perturbed = (rows: SequenceRow[]) => rows.map((row) => row.sampler_logprobs.map((lp) => lp + uniform(-0.4, 0.4)));

describe('sequenceLoss gradients match finite differences', () => {
  const cases: [string, Partial<LossSpec>][] = [
    ['is / token_sum', { kind: 'is', agg: 'token_sum' }],
    ['ppo_clip / token_mean', { kind: 'ppo_clip' }],
    ['ppo_clip / seq_mean_token_mean + k3 in loss', { kind: 'ppo_clip', agg: 'seq_mean_token_mean', kl: { coef: 0.3, estimator: 'k3', where: 'loss' } }],
    ['cispo / constant + k2 in loss', { kind: 'cispo', agg: 'constant', agg_constant: 7, kl: { coef: 0.2, estimator: 'k2', where: 'loss' } }],
    ['cross_entropy + k1 in loss', { kind: 'cross_entropy', kl: { coef: 0.5, estimator: 'k1', where: 'loss' } }],
    ['ppo_gae (policy part)', { kind: 'ppo_gae' }],
  ];
  it.each(cases)('%s', (_, overrides) => {
    const rows = randomRows(4);
    const current = perturbed(rows);
    const values = rows.map((row) => row.mask.map(() => uniform(0, 1)));
    const lossSpec = spec(overrides);
    const analytic = sequenceLoss(lossSpec, rows, current, values).gradLogprobs;
    // CISPO's ratio weight is stop-gradient: move the sampler logprobs along with lp so the weight stays frozen.
    const frozenRatio = (x: number[][]) =>
      rows.map((row, i) => ({ ...row, sampler_logprobs: row.sampler_logprobs.map((lp, t) => lp + x[i][t] - current[i][t]) }));
    const rowsAt = (x: number[][]) => (lossSpec.kind === 'cispo' ? frozenRatio(x) : rows);
    const numeric = numericGradient((x) => sequenceLoss(lossSpec, rowsAt(x), x, values).loss, current);
    analytic.forEach((row, i) => expectClose(row, numeric[i], 1e-6));
    expect(analytic.flat().some((g) => g !== 0)).toBe(true);
    if (lossSpec.kind === 'ppo_clip') expect(sequenceLoss(lossSpec, rows, current, values).metrics.clipfrac).toBeGreaterThan(0);
  });

  it('a KL term in the reward position does not change the loss (it was folded into the rewards by the plan)', () => {
    const rows = randomRows(3);
    const current = perturbed(rows);
    const inReward = sequenceLoss(spec({ kl: { coef: 0.5, estimator: 'k1', where: 'reward' } }), rows, current);
    expect(inReward.loss).toBeCloseTo(sequenceLoss(spec(), rows, current).loss, 12);
  });

  it('ppo_gae value gradient is vf_coef·agg·(v − R) with R the GAE returns', () => {
    const rows = randomRows(3);
    const values = rows.map((row) => row.mask.map(() => uniform(0, 1)));
    const lossSpec = spec({ kind: 'ppo_gae', agg: 'token_sum' });
    const result = sequenceLoss(lossSpec, rows, perturbed(rows), values);
    rows.forEach((row, i) => {
      const { returns } = gae(row.rewards!, values[i], row.mask, 0.99, 0.95);
      expectClose(
        result.gradValues![i],
        row.mask.map((m, t) => (m ? 0.1 * (values[i][t] - returns[t]) : 0)),
        1e-12,
      );
    });
    expect(result.metrics.vf_loss).toBeGreaterThan(0);
  });

  it('the clipped value term and every KL estimator match finite differences', () => {
    for (const [value, old, target] of [
      [0.9, 0.5, 1],
      [0.55, 0.5, 1],
      [0.2, 0.5, 0],
      [0.3, 0.5, 1.5],
    ]) {
      const step = 1e-6;
      const numeric = (clippedValueToken(value + step, old, target, 0.2).loss - clippedValueToken(value - step, old, target, 0.2).loss) / (2 * step);
      expectClose(clippedValueToken(value, old, target, 0.2).grad, numeric, 1e-6);
    }
    for (const estimator of ['k1', 'k2', 'k3'] as const) {
      for (const [lp, ref] of [
        [-1, -1.5],
        [-2, -1],
        [-0.3, -0.3],
      ]) {
        const numeric = (klToken(lp + 1e-6, ref, estimator).value - klToken(lp - 1e-6, ref, estimator).value) / 2e-6;
        expectClose(klToken(lp, ref, estimator).grad, numeric, 1e-6);
      }
    }
  });

  it('rejects misaligned inputs naming the field, and advantages missing for a policy-gradient kind', () => {
    const rows = randomRows(2);
    expect(() => sequenceLoss(spec(), rows, [rows[0].sampler_logprobs])).toThrow(/current: has 1 rows/);
    expect(() => sequenceLoss(spec(), rows, [rows[0].sampler_logprobs, [0]])).toThrow(/current\[1\]/);
    const withoutAdvantages = rows.map(({ advantages: _, ...row }) => row);
    expect(() => sequenceLoss(spec({ kind: 'is' }), withoutAdvantages, perturbed(rows))).toThrow(/rows\[0\]\.advantages/);
  });
});

describe('Tinker losses (summed over tokens)', () => {
  const lpSampler = [-1, -0.7, -2];
  const lp = [-0.9, -0.8, -1.5];
  const advantages = [0.5, -1, 2];
  it.each(['importance_sampling', 'ppo', 'dro', 'cross_entropy'] as const)('%s gradient matches finite differences', (kind) => {
    const { grads } = tinkerLoss(kind, lp, lpSampler, advantages, { droBeta: 0.7 });
    const [numeric] = numericGradient(([x]) => tinkerLoss(kind, x, lpSampler, advantages, { droBeta: 0.7 }).loss, [lp]);
    expectClose(grads, numeric);
  });
  it('cispo weights −lp·A by the clipped, stop-gradient ratio', () => {
    const { loss, grads } = tinkerLoss('cispo', lp, lpSampler, advantages);
    const weights = lp.map((value, t) => Math.min(Math.max(Math.exp(value - lpSampler[t]), 0.8), 1.2));
    expectClose(
      grads,
      weights.map((w, t) => -w * advantages[t]),
    );
    expectClose(
      loss,
      weights.reduce((total, w, t) => total - w * lp[t] * advantages[t], 0),
    );
    expect(weights[2]).toBe(1.2);
  });
});

describe('preferenceLoss gradients match finite differences', () => {
  const pairs: PreferenceRow[] = [
    { group: 'a', chosen: { tokens: [1, 2, 3], mask: [0, 1, 1] }, rejected: { tokens: [1, 4], mask: [0, 1] }, ref_lp_chosen: -2.5, ref_lp_rejected: -1.2 },
    { group: 'b', chosen: { tokens: [5, 6], mask: [1, 1] }, rejected: { tokens: [7, 8, 9], mask: [1, 1, 1] }, ref_lp_chosen: -1.0, ref_lp_rejected: -3.0 },
  ];
  const chosen = [
    [-9, -1.1, -1.3],
    [-0.4, -0.7],
  ];
  const rejected = [
    [-9, -1.0],
    [-1.2, -0.9, -0.8],
  ];
  it.each(['token_mean', 'token_sum'] as const)('agg %s (pairs are always averaged)', (agg) => {
    const lossSpec = spec({ kind: 'dpo', dpo_beta: 0.5, agg });
    expect(preferenceLoss(lossSpec, pairs, chosen, rejected).loss).toBe(preferenceLoss(spec({ kind: 'dpo', dpo_beta: 0.5 }), pairs, chosen, rejected).loss);
    const result = preferenceLoss(lossSpec, pairs, chosen, rejected);
    const numericChosen = numericGradient((x) => preferenceLoss(lossSpec, pairs, x, rejected).loss, chosen);
    const numericRejected = numericGradient((x) => preferenceLoss(lossSpec, pairs, chosen, x).loss, rejected);
    result.gradChosen.forEach((row, i) => expectClose(row, numericChosen[i]));
    result.gradRejected.forEach((row, i) => expectClose(row, numericRejected[i]));
    expect(result.gradChosen[0][0]).toBe(0);
  });
  it('reproduces the §1.6 golden loss through the row API, and refuses a missing reference', () => {
    const row: PreferenceRow = {
      group: 'g',
      chosen: { tokens: [1], mask: [1] },
      rejected: { tokens: [2], mask: [1] },
      ref_lp_chosen: -11,
      ref_lp_rejected: -11,
    };
    expectClose(preferenceLoss(spec({ kind: 'dpo' }), [row], [[-10]], [[-12]]).loss, 0.598139);
    expect(() => preferenceLoss(spec({ kind: 'dpo' }), [{ ...row, ref_lp_rejected: null }], [[-10]], [[-12]])).toThrow(/rows\[0\]\.ref_lp_rejected/);
  });
});

describe('sequenceLoss reproduces the §1.2 and §1.9 goldens through the row API', () => {
  const row = (lpOld: number[], advantages: number[]): SequenceRow => ({
    group: 'g',
    traj: 't',
    tokens: lpOld.map((_, t) => t),
    mask: lpOld.map(() => 1),
    sampler_logprobs: lpOld,
    advantages,
    ref_logprobs: null,
    reward: 0,
  });
  it('PPO token-mean −0.55, clipfrac 0.75', () => {
    const result = sequenceLoss(spec({ clip_high: 0.2 }), [row([-1.2, -0.5, -1.5, -0.6], [1, -1, -0.5, 2])], [[-1, -0.5, -2, -0.1]]);
    expectClose([result.loss, result.metrics.clipfrac], [-0.55, 0.75]);
  });
  it('Tinker importance_sampling, summed: −1.005004', () => {
    expectClose(sequenceLoss(spec({ kind: 'is', agg: 'token_sum' }), [row([-1, -0.7], [0.5, 0.5])], [[-0.9, -0.8]]).loss, -1.005004);
  });
});
