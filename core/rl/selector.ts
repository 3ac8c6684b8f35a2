/**
 * Chooses an RL algorithm from the shape of the rewards (signatures fixed by the lead; bodies by the weights engineer).
 * Used by the offline Feedback-Agent and shown to LLM Feedback-Agents as advice. Its statistics should come from
 * the rollouts an update would be trained on (loop/feedback.ts probes them at the training temperature), not from
 * one greedy sample per item: those read a different success rate and never show variance inside a group.
 */
import type { RewardStatistics } from '../events/index.ts';
import { mean, sampleStd } from './numeric.ts';

/** Rewards within this distance of 0 or 1 count as binary outcomes. */
const BINARY_TOLERANCE = 1e-9;
const LEVEL_CAP = 1000;

/** Mean of the top 10% over the median, both above the minimum: the tail heaviness of graded rewards. */
function tailRatioOf(rewards: readonly number[]): number {
  if (rewards.length < 2) return 1;
  const low = Math.min(...rewards);
  const shifted = rewards.map((reward) => reward - low).sort((a, b) => a - b);
  const positive = shifted.filter((value) => value > 0);
  if (positive.length === 0) return 1;
  const median = positive[Math.floor((positive.length - 1) / 2)] as number;
  const top = positive.slice(Math.floor(positive.length * 0.9));
  return median > 0 ? mean(top) / median : 1;
}

/**
 * Statistics over groups of rewards (one group = several samples of the same item).
 * A success is any reward > 0 (the verifier gave some credit: TriMul-style rewards are 0 on any failure, positive
 * otherwise); std is Bessel-corrected; density is the share of rewards that are neither 0 nor 1.
 */
export function rewardStatistics(groups: number[][], source?: RewardStatistics['source']): RewardStatistics {
  const rewards = groups.flat();
  const n = rewards.length;
  const isBinary = (reward: number) => Math.abs(reward) <= BINARY_TOLERANCE || Math.abs(reward - 1) <= BINARY_TOLERANCE;
  const nonEmpty = groups.filter((group) => group.length > 0);
  const varies = (group: number[]) => group.some((reward) => reward !== group[0]);
  return {
    n,
    mean: mean(rewards),
    std: sampleStd(rewards),
    successRate: n ? rewards.filter((reward) => reward > 0).length / n : 0,
    density: n ? rewards.filter((reward) => !isBinary(reward)).length / n : 0,
    pairwiseAvailability: nonEmpty.length ? nonEmpty.filter(varies).length / nonEmpty.length : 0,
    groupSize: nonEmpty.length ? n / nonEmpty.length : 0,
    negativeShare: n ? rewards.filter((reward) => reward < 0).length / n : 0,
    tailRatio: tailRatioOf(rewards),
    levels: Math.min(LEVEL_CAP, new Set(rewards).size),
    ...(source ? { source } : {}),
  };
}

/** Above this tail ratio graded rewards are heavy-tailed (a lognormal with σ = 1 reads about 6, uniform about 1.9). */
const HEAVY_TAIL = 3;
/** At most this many distinct values with some graded ones: partial credit, not a continuous score. */
const PARTIAL_CREDIT_LEVELS = 6;

/**
 * The rules, first match wins. Each threshold with its reason:
 * - every reward equal (all zero included) → bon-bc, with the note that nothing varies: no algorithm has a signal,
 *   a harness edit should come first.
 * - groups of about 2 (≤ 2.5 samples) and ≥ 90% of them split → dpo: preference pairs, one winner and one loser per
 *   item; only the order is informative, which is all DPO consumes.
 * - any reward < 0 (costs, negated runtimes): "success" (> 0) is meaningless, so the shape is read above the minimum:
 *   heavy tail → entropic, otherwise ppo-gae (a graded signal a critic can regress on; group-relative methods are
 *   shift-invariant too, but the critic also uses cross-item structure).
 * - successRate < 0.05 → bon-bc: under 1 success in 20 samples most groups are all-failure, so group-relative and
 *   entropic advantages vanish there; cloning the rare successes uses all the signal there is (binary p = 0.02;
 *   rare large wins below 5%).
 * - successRate < 0.3 → entropic: mostly failing (compile failures, binary p = 0.15, rare large wins); the entropic
 *   weight gives rare winners a large positive advantage instead of GRPO's mean-centred one the failures dominate.
 * - graded (density ≥ 0.1) and tail ratio ≥ 3 → entropic: heavy-tailed positive rewards (lognormal speed-ups); the
 *   mean-centred advantage is dominated by a few outliers' variance, the entropic weight turns them into a ranking
 *   with adaptive temperature.
 * - successRate ≥ 0.9 and (binary, or graded with std < 0.25·|mean|) → reinforce-kl: the policy already earns it
 *   almost always; little headroom, so an update is more likely to regress than gain, and the KL-to-base term
 *   bounds the drift (binary p = 0.95).
 * - graded with at most 6 distinct values → grpo: partial credit, a few levels compared within each group.
 * - graded (density ≥ 0.5) → ppo-gae: continuous dense rewards, a critic has a real signal to regress on.
 * - otherwise → grpo: binary outcomes with variance inside groups and no critic needed (binary p = 0.5 in 8s).
 */
export function adviseAlgorithm(statistics: RewardStatistics): { algorithm: string; reason: string } {
  const { n, mean: average, std, successRate, density, pairwiseAvailability } = statistics;
  const groupSize = statistics.groupSize ?? 0;
  const negativeShare = statistics.negativeShare ?? 0;
  const tailRatio = statistics.tailRatio ?? 1;
  const levels = statistics.levels ?? LEVEL_CAP;
  const percent = (value: number) => `${(value * 100).toFixed(0)}%`;
  if (n === 0) return { algorithm: 'grpo', reason: 'no rewards recorded yet; GRPO is the critic-free default' };
  if (std === 0) {
    const none = successRate === 0 ? 'No sample earned any reward yet' : `Every one of ${n} samples earned the same reward ${average.toFixed(3)}`;
    return {
      algorithm: 'bon-bc',
      reason: `${none}, so no algorithm has a signal: prefer a harness edit (bon-bc would only clone what the policy already does).`,
    };
  }
  if (groupSize > 1.5 && groupSize <= 2.5 && pairwiseAvailability >= 0.9) {
    return {
      algorithm: 'dpo',
      reason: `preference pairs: groups of ${groupSize.toFixed(1)} samples, ${percent(pairwiseAvailability)} with a winner and a loser, so only the ranking is informative`,
    };
  }
  if (negativeShare > 0) {
    if (tailRatio >= HEAVY_TAIL) {
      return {
        algorithm: 'entropic',
        reason: `${percent(negativeShare)} of rewards are negative (costs) with a heavy tail (top 10% at ${tailRatio.toFixed(1)}× the median above the minimum): entropic weighting ranks the outliers`,
      };
    }
    return {
      algorithm: 'ppo-gae',
      reason: `${percent(negativeShare)} of rewards are negative (costs, not successes): a graded signal spread ${std.toFixed(3)} a critic can regress on`,
    };
  }
  if (successRate < 0.05) {
    return { algorithm: 'bon-bc', reason: `extremely sparse: ${percent(successRate)} of samples earn any reward; clone the rare successes.` };
  }
  if (successRate < 0.3) {
    return {
      algorithm: 'entropic',
      reason: `mostly failing: ${percent(successRate)} of samples earn any reward; entropic weighting gives rare winners large advantages`,
    };
  }
  if (density >= 0.1 && tailRatio >= HEAVY_TAIL) {
    return {
      algorithm: 'entropic',
      reason: `heavy-tailed rewards: the top 10% average ${tailRatio.toFixed(1)}× the median, so a mean-centred advantage is dominated by outliers; entropic weighting ranks them`,
    };
  }
  if (successRate >= 0.9 && (density < 0.1 || std < 0.25 * Math.abs(average))) {
    return {
      algorithm: 'reinforce-kl',
      reason: `already earned by ${percent(successRate)} of samples (spread ${std.toFixed(3)} around ${average.toFixed(3)}): regression risk, so anchor to the base with KL`,
    };
  }
  if (density >= 0.1 && levels <= PARTIAL_CREDIT_LEVELS) {
    return {
      algorithm: 'grpo',
      reason: `partial credit: ${levels} reward levels with variance in ${percent(pairwiseAvailability)} of groups; group-relative advantages compare them within each item`,
    };
  }
  if (density >= 0.5) {
    return {
      algorithm: 'ppo-gae',
      reason: `dense outcome: ${percent(density)} of rewards are graded (${levels} distinct values), a critic can learn from them`,
    };
  }
  return {
    algorithm: 'grpo',
    reason: `binary outcomes, ${percent(successRate)} successes, variance in ${percent(pairwiseAvailability)} of groups of ${groupSize.toFixed(1)}: group-relative advantages, no critic needed`,
  };
}
