/**
 * Every golden vector of reference/training-anchors.md §1 (numpy float64, generator training-anchors-golden.py),
 * to 1e-6, including the porting traps: n−1 std, the two ε, the aggregation table, constant groups, β = 2^20.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../core/rl/aggregate.ts';
import { behaviourCloningNll, selectBestOfN } from '../core/rl/best-of-n.ts';
import { dpoLoss } from '../core/rl/dpo.ts';
import { adaptiveEntropicBeta, entropicAdvantages, entropicKl, rsGrpoAdvantages } from '../core/rl/entropic.ts';
import { gae, maskedWhiten } from '../core/rl/gae.ts';
import { drGrpoAdvantages, grpoAdvantages, rlooAdvantages, TRL_GRPO_EPSILON } from '../core/rl/group-advantages.ts';
import { klPenalizedRewards, klShapedReturns, klValues } from '../core/rl/kl.ts';
import { mean, sampleStd } from '../core/rl/numeric.ts';
import { clippedValueToken, ppoPolicyLoss } from '../core/rl/ppo.ts';
import { tinkerLoss } from '../core/rl/token-losses.ts';
import { expectClose } from './support/close.ts';

describe('§1 aggregation modes on [[1,2,3,·],[4,·,·,·]]', () => {
  const losses = [
    [1, 2, 3, 0],
    [4, 0, 0, 0],
  ];
  const mask = [
    [1, 1, 1, 0],
    [1, 0, 0, 0],
  ];
  it.each([
    ['seq_mean_token_mean', null, 3.0],
    ['token_mean', null, 2.5],
    ['constant', 8, 1.25],
    ['constant', null, 1.25],
    ['token_sum', null, 10.0],
  ] as const)('%s (divisor %s) → %d', (mode, constant, expected) => expectClose(aggregate(losses, mask, mode, constant), expected));
});

describe('§1.1 GAE, r = [0,0,1], V = [0.5,0.6,0.7]', () => {
  const r = [0, 0, 1];
  const v = [0.5, 0.6, 0.7];
  const m = [1, 1, 1];
  it.each([
    [1, 0.95, [0.46575, 0.385, 0.3], [0.96575, 0.985, 1.0]],
    [0.99, 0.95, [0.446829, 0.37515, 0.3], [0.946829, 0.97515, 1.0]],
    [1, 1, [0.5, 0.4, 0.3], [1, 1, 1]],
  ])('γ=%d λ=%d', (gamma, lam, advantages, returns) => {
    const result = gae(r, v, m, gamma, lam);
    expectClose(result.advantages, advantages);
    expectClose(result.returns, returns);
  });
  it('masked whitening with Bessel-corrected variance (γ=1, λ=0.95)', () => {
    expectClose(maskedWhiten([gae(r, v, m, 1, 0.95).advantages], [m])[0], [0.991344, 0.017092, -1.008436]);
  });
  it('prompt tokens (mask 0) are skipped and left at 0', () => {
    const result = gae([0, 0, 0, 1], [9, 0.5, 0.6, 0.7], [0, 1, 1, 1], 1, 0.95);
    expectClose(result.advantages, [0, 0.46575, 0.385, 0.3]);
    expectClose(result.returns, [0, 0.96575, 0.985, 1.0]);
  });
});

describe('§1.2 PPO, ε = 0.2', () => {
  const lp = [-1, -0.5, -2, -0.1];
  const lpOld = [-1.2, -0.5, -1.5, -0.6];
  const advantages = [1, -1, -0.5, 2];
  const result = ppoPolicyLoss(lp, lpOld, advantages, { low: 0.2, high: 0.2 });
  it('ratio', () =>
    expectClose(
      lp.map((value, t) => Math.exp(value - lpOld[t])),
      [1.221403, 1, 0.606531, 1.648721],
    ));
  it('per-token loss', () => expectClose(result.losses, [-1.2, 1.0, 0.4, -2.4]));
  it('token mean', () => expectClose(aggregate([result.losses], [[1, 1, 1, 1]], 'token_mean'), -0.55));
  it('clipfrac counts l2 > l1', () => expectClose(result.clipfrac, 0.75));
  it('value loss: v̂ = [0.7, 0.3], per-token [0.09, 0.09], L_V = 0.045', () => {
    const terms = [clippedValueToken(0.9, 0.5, 1, 0.2), clippedValueToken(0.2, 0.5, 0, 0.2)];
    expectClose(
      terms.map((term) => term.loss),
      [0.09, 0.09],
    );
    expect(terms.every((term) => term.clipped && term.grad === 0)).toBe(true);
    expectClose(0.5 * aggregate([terms.map((term) => term.loss)], [[1, 1]], 'token_mean'), 0.045);
  });
  it('dual clip (c = 3) caps the loss of a negative-advantage token with an exploded ratio', () => {
    const exploded = ppoPolicyLoss([0], [-2], [-1], { low: 0.2, high: 0.2, dual: 3 });
    expectClose(exploded.losses, [3]);
    expectClose(ppoPolicyLoss([0], [-2], [-1], { low: 0.2, high: 0.2 }).losses, [Math.exp(2)]);
  });
});

describe('§1.3 GRPO and Dr.GRPO', () => {
  it.each([
    [[1, 0, 0, 0], 0.25, 0.5],
    [[0.2, 0.9, 0.5, 0.4], 0.5, 0.294392],
  ])('%j: mean %d, std (n−1) %d', (rewards, expectedMean, expectedStd) => {
    expectClose(mean(rewards), expectedMean);
    expectClose(sampleStd(rewards), expectedStd);
  });
  it.each([
    [
      [1, 0, 0, 0],
      [1.499997, -0.499999, -0.499999, -0.499999],
      [1.4997, -0.4999, -0.4999, -0.4999],
      [0.75, -0.25, -0.25, -0.25],
    ],
    [
      [0.2, 0.9, 0.5, 0.4],
      [-1.019046, 1.358728, 0, -0.339682],
      [-1.018703, 1.358271, 0, -0.339568],
      [-0.3, 0.4, 0, -0.1],
    ],
  ])('%j: verl ε=1e-6, TRL ε=1e-4, Dr.GRPO', (rewards, verl, trl, drGrpo) => {
    expectClose(grpoAdvantages(rewards), verl);
    expectClose(grpoAdvantages(rewards, { epsilon: TRL_GRPO_EPSILON }), trl);
    expectClose(drGrpoAdvantages(rewards), drGrpo);
  });
  it('trap: the population-std variant [1.732047, −0.577349 ×3] is NOT what GRPO computes', () => {
    expect(Math.abs(grpoAdvantages([1, 0, 0, 0])[0] - 1.732047)).toBeGreaterThan(0.2);
  });
  it.each([[[1, 1, 1, 1]], [[0.3, 0.3, 0.3]], [[0.1, 0.1]]])('constant group %j → exactly 0 for GRPO, Dr.GRPO, RLOO', (rewards) => {
    for (const advantages of [
      grpoAdvantages(rewards),
      grpoAdvantages(rewards, { epsilon: TRL_GRPO_EPSILON }),
      drGrpoAdvantages(rewards),
      rlooAdvantages(rewards),
    ]) {
      expect(advantages).toEqual(rewards.map(() => 0));
    }
  });
  it('group of one: verl uses mean 0, std 1', () => {
    expectClose(grpoAdvantages([0.7]), [0.7 / (1 + 1e-6)]);
    expectClose(drGrpoAdvantages([0.7]), [0.7]);
  });
});

describe('§1.4 RLOO', () => {
  it.each([
    [
      [1, 0, 0, 0],
      [1, -0.333333, -0.333333, -0.333333],
    ],
    [
      [0.2, 0.9, 0.5, 0.4],
      [-0.4, 0.533333, 0, -0.133333],
    ],
  ])('%j', (rewards, expected) => {
    expectClose(rlooAdvantages(rewards), expected);
    const count = rewards.length;
    expectClose(
      rlooAdvantages(rewards),
      rewards.map((reward) => (count / (count - 1)) * (reward - mean(rewards))),
    );
  });
});

describe('§1.5 KL estimators, lp = [−1,−2,−0.3], ref = [−1.5,−1,−0.3]', () => {
  const lp = [-1, -2, -0.3];
  const ref = [-1.5, -1, -0.3];
  it.each([
    ['k1', [0.5, -1, 0]],
    ['k2', [0.125, 0.5, 0]],
    ['k3', [0.106531, 0.718282, 0]],
  ] as const)('%s', (estimator, expected) => expectClose(klValues(lp, ref, estimator), expected));
  it('KL in the reward at β = 0.1: r′ = [−0.05, 0.1, 1.0], G = [1.05, 1.1, 1.0]', () => {
    expectClose(klPenalizedRewards([0, 0, 1], lp, ref, [1, 1, 1], 0.1, 'k1'), [-0.05, 0.1, 1.0]);
    expectClose(klShapedReturns([0, 0, 1], lp, ref, [1, 1, 1], 0.1, 1, 'k1'), [1.05, 1.1, 1.0]);
  });
  it('verl clamps k3 to ±10 (log-ratio clamped to ±20)', () => {
    expectClose(klValues([-30], [0], 'k3'), [10]);
  });
});

describe('§1.6 DPO', () => {
  it.each([
    [[-10, -12, -11, -11], 0.1, 0.598139, 0.1, -0.1, 0.450166],
    [[-10, -12, -11, -11], 0.5, 0.313262, 0.5, -0.5, 0.268941],
    [[-12, -10, -11, -11], 0.1, 0.798139, -0.1, 0.1, 0.549834],
  ])('%j β=%d → loss %d', ([lpW, lpL, refW, refL], beta, loss, chosenReward, rejectedReward, gradWeight) => {
    const result = dpoLoss(lpW, lpL, refW, refL, beta);
    expectClose([result.loss, result.chosenReward, result.rejectedReward, result.gradWeight], [loss, chosenReward, rejectedReward, gradWeight]);
  });
});

describe('§1.7 Best-of-N behaviour cloning', () => {
  it('r = [0.1, 0.9, 0.4, 0.9], k = 2 → [1, 3] (ties to the lower index)', () => {
    expect(selectBestOfN([0.1, 0.9, 0.4, 0.9], 2)).toEqual([1, 3]);
  });
  it('threshold keeps only rewards ≥ it', () => {
    expect(selectBestOfN([0.1, 0.9, 0.4, 0.9], 3, 0.5)).toEqual([1, 3]);
  });
  it.each([
    ['token_mean', 0.54],
    ['seq_mean_token_mean', 0.575],
    ['token_sum', 2.7],
  ] as const)('NLL %s → %d', (mode, expected) =>
    expectClose(
      behaviourCloningNll(
        [
          [-0.5, -1.0],
          [-0.2, -0.4, -0.6],
        ],
        mode,
      ),
      expected,
    ),
  );
});

describe('§1.8 entropic advantages (TTT-Discover)', () => {
  it.each([
    [[0, 0, 0, 1], [-0.680479, -0.680479, -0.680479, 6.389056], 2.553245, Math.LN2, [-0.797963, -0.797963, -0.797963, 11.848729]],
    [[0.2, 0.9, 0.5, 0.4], [-0.592897, 1.820065, -0.165063, -0.349241], 4.968885, Math.LN2, [-0.924134, 10.93961, -0.631056, -0.78584]],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1048576, 0, [0, 0, 0, 0]],
    [[1, 1, 1, 0], [0.404932, 0.404932, 0.404932, -0.864665], 1048576, 0.287682, [0.5, 0.5, 0.5, -1.0]],
  ])('%j: fixed β=2, adaptive β, KL at β, adaptive A', (rewards, fixed, beta, kl, adaptive) => {
    expectClose(entropicAdvantages(rewards, 2), fixed);
    const solved = adaptiveEntropicBeta(rewards);
    expectClose(solved, beta);
    expectClose(entropicKl(rewards, solved), kl);
    expectClose(entropicAdvantages(rewards, solved), adaptive);
  });
  it('[0×7, 1]: fixed β=2 and adaptive β = 2.465388', () => {
    const rewards = [0, 0, 0, 0, 0, 0, 0, 1];
    expectClose(entropicAdvantages(rewards, 2), [...Array(7).fill(-0.477185), 6.389056]);
    const solved = adaptiveEntropicBeta(rewards);
    expectClose(solved, 2.465388);
    expectClose(entropicAdvantages(rewards, solved), [...Array(7).fill(-0.606034), 10.768045]);
  });
  it('β = 2^20 exactly when the bracket cannot reach ln 2, and K < 2 → β = 0', () => {
    expect(adaptiveEntropicBeta([1, 1, 1, 0])).toBe(2 ** 20);
    expect(adaptiveEntropicBeta([0.5])).toBe(0);
  });
  it.each([
    [[0, 0, 0, 1], 0.477229, [-0.30749, -0.30749, -0.30749, 0.922469]],
    [[0.2, 0.9, 0.5, 0.4], 0.569129, [-0.261027, 0.469084, -0.064563, -0.143494]],
  ])('RS-GRPO β=2 on %j', (rewards, softValue, expected) => {
    const result = rsGrpoAdvantages(rewards, 2);
    expectClose(result.softValue, softValue);
    expectClose(result.advantages, expected);
  });
});

describe('§1.9 Tinker losses, lp_q = [−1, −0.7], lp = [−0.9, −0.8], A = 0.5', () => {
  const lpSampler = [-1, -0.7];
  const lp = [-0.9, -0.8];
  const advantages = [0.5, 0.5];
  it('ratio', () =>
    expectClose(
      lp.map((value, t) => Math.exp(value - lpSampler[t])),
      [1.105171, 0.904837],
    ));
  it('importance_sampling loss = −1.005004', () => expectClose(tinkerLoss('importance_sampling', lp, lpSampler, advantages).loss, -1.005004));
  it('ppo loss = −1.005004 (nothing clipped)', () => expectClose(tinkerLoss('ppo', lp, lpSampler, advantages).loss, -1.005004));
});
