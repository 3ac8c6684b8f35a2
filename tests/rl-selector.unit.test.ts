/** Reward statistics and the algorithm advice drawn from them. */
import { describe, expect, it } from 'vitest';
import { RewardStatistics } from '../core/events/learning.ts';
import { adviseAlgorithm, rewardStatistics } from '../core/rl/selector.ts';
import { listAlgorithms } from '../plugins/algorithms/index.ts';
import { expectClose } from './support/close.ts';

const repeat = <T>(count: number, make: (i: number) => T) => Array.from({ length: count }, (_, i) => make(i));

describe('rewardStatistics', () => {
  it('computes n, mean, n−1 std, success rate, density and pairwise availability', () => {
    const statistics = rewardStatistics([
      [1, 0, 0, 0],
      [0.5, 0.5],
      [0, 0.25, 1],
    ]);
    expect(() => RewardStatistics.parse(statistics)).not.toThrow();
    expect(statistics.n).toBe(9);
    expectClose(statistics.mean, 3.25 / 9);
    expectClose(statistics.std, Math.sqrt([1, 0, 0, 0, 0.5, 0.5, 0, 0.25, 1].reduce((acc, r) => acc + (r - 3.25 / 9) ** 2, 0) / 8));
    expectClose(statistics.successRate, 5 / 9);
    expectClose(statistics.density, 3 / 9);
    expectClose(statistics.pairwiseAvailability, 2 / 3);
  });
  it('is all zeros for no rewards, and a constant group has no pairs', () => {
    expect(rewardStatistics([])).toEqual({ n: 0, mean: 0, std: 0, successRate: 0, density: 0, pairwiseAvailability: 0 });
    expect(rewardStatistics([[0.3, 0.3, 0.3]]).pairwiseAvailability).toBe(0);
  });
});

describe('adviseAlgorithm', () => {
  const advise = (groups: number[][]) => adviseAlgorithm(rewardStatistics(groups));
  it.each([
    ['no rewards', [], 'grpo'],
    ['extremely sparse (1 success in 64)', [[1, ...repeat(7, () => 0)], ...repeat(7, () => repeat(8, () => 0))], 'bon-bc'],
    ['mostly failing (compile failures, a few fast kernels)', repeat(8, (g) => [g % 2 ? 1.2 : 0, 0, 0, 0, g % 3 ? 0 : 0.4, 0, 0, 0]), 'entropic'],
    ['dense graded outcome', repeat(8, (g) => [0.2, 0.45, 0.7, 0.9].map((r) => (r + g * 0.01) % 1)), 'ppo-gae'],
    ['dense and already good (regression risk)', repeat(8, (g) => [0.91, 0.93, 0.95, 0.94].map((r) => r - g * 0.001)), 'reinforce-kl'],
    ['win/loss pairs', repeat(10, (g) => (g % 2 ? [1, 0] : [0, 1])), 'dpo'],
    ['binary with variance in groups', repeat(8, (g) => [1, 0, g % 2, 1, 0, 0, 1, 0]), 'grpo'],
  ] as const)('%s → %s', (_, groups, expected) => {
    const advice = advise(groups as unknown as number[][]);
    expect(advice.algorithm).toBe(expected);
    expect(advice.reason.length).toBeGreaterThan(20);
  });
  it('says when nothing can be learned from weights', () => {
    expect(advise([[0, 0, 0, 0]]).reason).toMatch(/no sample earned any reward/i);
  });
  it('only ever advises a registered algorithm', () => {
    const ids = new Set(listAlgorithms().map((algorithm) => algorithm.id));
    for (const successRate of [0, 0.02, 0.1, 0.5, 0.95]) {
      for (const density of [0, 0.05, 0.6]) {
        const advice = adviseAlgorithm({ n: 10, mean: 0.5, std: 0.1, successRate, density, pairwiseAvailability: 1 });
        expect(ids.has(advice.algorithm)).toBe(true);
      }
    }
  });
});
