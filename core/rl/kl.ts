/**
 * Per-token estimators of KL(π‖π_ref) on samples from π, and the KL-in-reward shaping (training-anchors.md §1.5).
 * verl clamps k3's log-ratio to ±20 and k3 itself to ±10; k1 and k2 are unclamped, as there.
 */

import { discountedReturns } from './gae.ts';
import { clamp } from './numeric.ts';

export type KlEstimator = 'k1' | 'k2' | 'k3';

const K3_LOG_RATIO_LIMIT = 20;
const K3_VALUE_LIMIT = 10;

/** The estimate and its derivative with respect to the policy's logprob lp (0 where a clamp is active). */
export function klToken(lp: number, lpRef: number, estimator: KlEstimator): { value: number; grad: number } {
  const diff = lp - lpRef;
  switch (estimator) {
    case 'k1':
      return { value: diff, grad: 1 };
    case 'k2':
      return { value: 0.5 * diff * diff, grad: diff };
    case 'k3': {
      const logRatio = clamp(-diff, -K3_LOG_RATIO_LIMIT, K3_LOG_RATIO_LIMIT);
      const raw = Math.exp(logRatio) - logRatio - 1;
      const value = clamp(raw, -K3_VALUE_LIMIT, K3_VALUE_LIMIT);
      const active = Math.abs(diff) < K3_LOG_RATIO_LIMIT && raw === value;
      return { value, grad: active ? 1 - Math.exp(logRatio) : 0 };
    }
  }
}

export function klValues(lp: readonly number[], lpRef: readonly number[], estimator: KlEstimator): number[] {
  return lp.map((value, t) => klToken(value, lpRef[t], estimator).value);
}

/** r'_t = r_t − β·k_t on valid tokens (verl compute_rewards, Tinker incorporate_kl_penalty). */
export function klPenalizedRewards(
  rewards: readonly number[],
  lp: readonly number[],
  lpRef: readonly number[],
  mask: readonly number[],
  beta: number,
  estimator: KlEstimator = 'k1',
): number[] {
  return rewards.map((reward, t) => (mask[t] > 0 ? reward - beta * klToken(lp[t], lpRef[t], estimator).value : reward));
}

/** The returns G_t = Σ_{s≥t} γ^{s−t} r'_s of the KL-shaped rewards. */
export function klShapedReturns(
  rewards: readonly number[],
  lp: readonly number[],
  lpRef: readonly number[],
  mask: readonly number[],
  beta: number,
  gamma = 1,
  estimator: KlEstimator = 'k1',
): number[] {
  return discountedReturns(klPenalizedRewards(rewards, lp, lpRef, mask, beta, estimator), mask, gamma);
}
