/** Reward statistics and the algorithm advice drawn from them. */
import { describe, expect, it } from 'vitest';
import { RewardStatistics } from '../core/events/learning.ts';
import { adviseAlgorithm, rewardStatistics } from '../core/rl/selector.ts';
import { seededRandom } from '../core/tiny/random.ts';
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
    expect(rewardStatistics([])).toMatchObject({ n: 0, mean: 0, std: 0, successRate: 0, density: 0, pairwiseAvailability: 0, groupSize: 0, negativeShare: 0 });
    expect(rewardStatistics([[0.3, 0.3, 0.3]]).pairwiseAvailability).toBe(0);
  });
});

/** `groups` groups of `size` with exactly round(p·groups·size) successes, spread evenly over the samples. */
function binary(p: number, groups = 50, size = 8): number[][] {
  const total = groups * size;
  const successes = Math.round(p * total);
  const flat = Array.from({ length: total }, (_, i) => (Math.floor(((i + 1) * successes) / total) > Math.floor((i * successes) / total) ? 1 : 0));
  return repeat(groups, (g) => flat.slice(g * size, (g + 1) * size));
}
const random = seededRandom(7);
const draws = (groups: number, size: number, draw: () => number) => repeat(groups, () => repeat(size, draw));

describe('reward shapes → advice (the shapes the rules are fixed for)', () => {
  const shapes: Array<[string, number[][], string]> = [
    ['binary p = 0.02 in groups of 8', binary(0.02), 'bon-bc'],
    ['binary p = 0.15 in groups of 8', binary(0.15), 'entropic'],
    ['binary p = 0.5 in groups of 8 (the textbook GRPO case, not DPO)', binary(0.5), 'grpo'],
    ['binary p = 0.95 in groups of 8', binary(0.95), 'reinforce-kl'],
    ['continuous dense in (0, 1)', draws(40, 8, () => 0.05 + 0.9 * random.next()), 'ppo-gae'],
    ['partial credit in quarters', draws(40, 8, () => Math.floor(random.next() * 5) / 4), 'grpo'],
    ['heavy-tailed lognormal speed-ups', draws(40, 8, () => Math.exp(random.normal())), 'entropic'],
    ['rare large wins (10% at 5–20, else 0)', draws(40, 8, () => (random.next() < 0.1 ? 5 + 15 * random.next() : 0)), 'entropic'],
    ['preference pairs (one winner, one loser)', repeat(40, (g) => (g % 2 ? [1, 0] : [0, 1])), 'dpo'],
    ['all zero', repeat(40, () => repeat(8, () => 0)), 'bon-bc'],
    ['costs in [−1, 0]', draws(40, 8, () => -random.next()), 'ppo-gae'],
  ];
  it.each(shapes)('%s → %s', (_, groups, expected) => {
    const statistics = rewardStatistics(groups, 'rollouts');
    expect(() => RewardStatistics.parse(statistics)).not.toThrow();
    const advice = adviseAlgorithm(statistics);
    expect(advice.algorithm).toBe(expected);
    expect(advice.reason.length).toBeGreaterThan(20);
  });
  it('reads the shape features the rules need', () => {
    const lognormal = rewardStatistics(shapes[6][1]);
    expect(lognormal.tailRatio).toBeGreaterThan(3);
    expect(rewardStatistics(shapes[4][1]).tailRatio).toBeLessThan(2.5);
    expect(rewardStatistics(binary(0.5)).tailRatio).toBe(1);
    expect(rewardStatistics(shapes[10][1]).negativeShare).toBe(1);
    expect(rewardStatistics(shapes[5][1]).levels).toBe(5);
    expect(rewardStatistics(binary(0.5)).groupSize).toBe(8);
    expect(rewardStatistics(binary(0.02)).successRate).toBeCloseTo(0.02, 10);
  });
  it('all-zero rewards say no algorithm has a signal; costs are not read as 0% success', () => {
    expect(adviseAlgorithm(rewardStatistics(shapes[9][1])).reason).toMatch(/no algorithm has a signal/);
    expect(adviseAlgorithm(rewardStatistics(shapes[10][1])).reason).toMatch(/negative/);
  });
  it('one greedy sample per item hides the variance that rollouts show', () => {
    const greedy = rewardStatistics(binary(0.5, 400, 1));
    expect(greedy.pairwiseAvailability).toBe(0);
    expect(rewardStatistics(binary(0.5)).pairwiseAvailability).toBeGreaterThan(0.9);
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
    ['binary near 0.5 in groups of 4 (not pairs)', repeat(10, (g) => (g % 2 ? [1, 0, 1, 0] : [0, 1, 0, 1])), 'grpo'],
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
