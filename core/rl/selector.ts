/**
 * Chooses an RL algorithm from the shape of the rewards (signatures fixed by the lead; bodies by the weights engineer).
 * Used by the offline Feedback-Agent and shown to LLM Feedback-Agents as advice.
 */
import type { RewardStatistics } from '../events/index.ts';
import { allEqual, mean, sampleStd } from './numeric.ts';

/** Rewards within this distance of 0 or 1 count as binary outcomes. */
const BINARY_TOLERANCE = 1e-9;

/**
 * Statistics over groups of rewards (one group = several samples of the same item).
 * A success is any reward > 0 (the verifier gave some credit: TriMul-style rewards are 0 on any failure, positive
 * otherwise); std is Bessel-corrected; density is the share of rewards that are neither 0 nor 1.
 */
export function rewardStatistics(groups: number[][]): RewardStatistics {
  const rewards = groups.flat();
  const n = rewards.length;
  const isBinary = (reward: number) => Math.abs(reward) <= BINARY_TOLERANCE || Math.abs(reward - 1) <= BINARY_TOLERANCE;
  const nonEmpty = groups.filter((group) => group.length > 0);
  return {
    n,
    mean: mean(rewards),
    std: sampleStd(rewards),
    successRate: n ? rewards.filter((reward) => reward > 0).length / n : 0,
    density: n ? rewards.filter((reward) => !isBinary(reward)).length / n : 0,
    pairwiseAvailability: nonEmpty.length ? nonEmpty.filter((group) => !allEqual(group)).length / nonEmpty.length : 0,
  };
}

/**
 * The rules, first match wins. Each threshold with its reason:
 * - successRate < 0.05 → bon-bc: under 1 success in 20 samples most groups are all-failure, so group-relative and
 *   entropic advantages vanish there; cloning the rare successes uses all the signal there is, with no noisy negatives.
 * - successRate < 0.3 → entropic: mostly failing (e.g. many compile failures); the entropic weight gives rare winners a
 *   large positive advantage instead of GRPO's mean-centred one that the failures dominate (TTT-Discover).
 * - density ≥ 0.5 with successRate ≥ 0.9 and std < 0.25·|mean| → reinforce-kl: a dense reward the policy already earns
 *   almost always, with spread under a quarter of its mean: little headroom, so an update is more likely to regress than
 *   gain, and the KL-to-base term bounds the drift.
 * - density ≥ 0.5 → ppo-gae: at least half the rewards are graded, so a critic has a real signal to regress on.
 * - density < 0.1, pairwiseAvailability ≥ 0.9, successRate within 0.05 of 0.5 → dpo: the signature of win/loss pairs
 *   (each group one winner, one loser); only the order is informative, which is all DPO consumes.
 * - otherwise → grpo: binary outcomes with variance inside groups and no critic needed.
 */
export function adviseAlgorithm(statistics: RewardStatistics): { algorithm: string; reason: string } {
  const { n, mean: average, std, successRate, density, pairwiseAvailability } = statistics;
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  if (n === 0) return { algorithm: 'grpo', reason: 'no rewards recorded yet; GRPO is the critic-free default' };
  if (successRate < 0.05) {
    const none = successRate === 0 ? ' No sample earned any reward yet, so no algorithm has a signal: prefer a harness edit.' : '';
    return { algorithm: 'bon-bc', reason: `extremely sparse: ${percent(successRate)} of samples earn any reward; clone the rare successes.${none}` };
  }
  if (successRate < 0.3) {
    return {
      algorithm: 'entropic',
      reason: `mostly failing: ${percent(successRate)} of samples earn any reward; entropic weighting gives rare winners large advantages`,
    };
  }
  if (density >= 0.5) {
    if (successRate >= 0.9 && std < 0.25 * Math.abs(average)) {
      return {
        algorithm: 'reinforce-kl',
        reason: `dense rewards already earned by ${percent(successRate)} of samples with spread ${std.toFixed(3)} under a quarter of the mean ${average.toFixed(3)}: regression risk, so anchor to the base with KL`,
      };
    }
    return { algorithm: 'ppo-gae', reason: `dense outcome: ${percent(density)} of rewards are graded, a critic can learn from them` };
  }
  if (density < 0.1 && pairwiseAvailability >= 0.9 && Math.abs(successRate - 0.5) <= 0.05) {
    return { algorithm: 'dpo', reason: 'win/loss pairs: nearly every group has one winner and one loser, so only the ranking is informative' };
  }
  return {
    algorithm: 'grpo',
    reason: `binary outcomes with variance in ${percent(pairwiseAvailability)} of groups: group-relative advantages, no critic needed`,
  };
}
