/**
 * Critic-free, group-relative outcome advantages: GRPO, Dr.GRPO, RLOO (training-anchors.md §1.3, §1.4).
 * One group = several samples of the same prompt; each returns one advantage per sample.
 */
import { allEqual, mean, sampleStd } from './numeric.ts';

/** verl's ε; TRL uses 1e-4 (pass it as `epsilon`). */
export const VERL_GRPO_EPSILON = 1e-6;
export const TRL_GRPO_EPSILON = 1e-4;

export interface GrpoOptions {
  epsilon?: number;
  /** false = Dr.GRPO (verl norm_adv_by_std_in_grpo=False, TRL scale_rewards="none"). */
  scaleByStd?: boolean;
}

/**
 * A_i = (r_i − mean)/(std_{n−1} + ε). verl treats a group of one as mean 0, std 1, so its advantage is r/(1+ε).
 * A constant group returns exact zeros rather than round-off divided by ε.
 */
export function grpoAdvantages(rewards: readonly number[], options: GrpoOptions = {}): number[] {
  const epsilon = options.epsilon ?? VERL_GRPO_EPSILON;
  const scale = options.scaleByStd ?? true;
  if (rewards.length === 1) return [scale ? rewards[0] / (1 + epsilon) : rewards[0]];
  if (allEqual(rewards)) return rewards.map(() => 0);
  const centre = mean(rewards);
  const divisor = scale ? sampleStd(rewards) + epsilon : 1;
  return rewards.map((reward) => (reward - centre) / divisor);
}

/** Dr.GRPO: the mean baseline without the std division (its loss then uses the `constant` aggregation). */
export function drGrpoAdvantages(rewards: readonly number[]): number[] {
  return grpoAdvantages(rewards, { scaleByStd: false });
}

/** A_i = r_i − mean_{j≠i} r_j = G/(G−1)·(r_i − mean). A group of one keeps its reward (verl: baseline 0). */
export function rlooAdvantages(rewards: readonly number[]): number[] {
  const count = rewards.length;
  if (count === 1) return [rewards[0]];
  if (allEqual(rewards)) return rewards.map(() => 0);
  const total = rewards.reduce((a, b) => a + b, 0);
  return rewards.map((reward) => reward - (total - reward) / (count - 1));
}
