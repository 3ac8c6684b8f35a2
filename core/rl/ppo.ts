/**
 * PPO clipped policy loss and clipped value loss, per token with their derivatives
 * (training-anchors.md §1.2, verl compute_policy_loss_vanilla / compute_value_loss).
 */
import { clamp } from './numeric.ts';

export interface ClipRange {
  low: number;
  high: number;
  /** verl's dual-clip constant c (3 in verl), applied to A < 0 only; null turns it off. */
  dual?: number | null;
}

export interface TokenLoss {
  loss: number;
  /** dℓ/dlp (or dℓ/dv for the value loss). */
  grad: number;
  /** The clipped branch was taken, so the gradient is 0. */
  clipped: boolean;
}

/** max(−A·ρ, −A·clip(ρ, 1−ε_lo, 1+ε_hi)), then for A < 0 with dual clip min(that, −A·c). */
export function ppoClipToken(lp: number, lpOld: number, advantage: number, clip: ClipRange): TokenLoss {
  const ratio = Math.exp(lp - lpOld);
  const unclipped = -advantage * ratio;
  const clippedLoss = -advantage * clamp(ratio, 1 - clip.low, 1 + clip.high);
  // Count clipping as verl does (l2 > l1): equal branches mean the ratio sits inside the trust region.
  const clipped = clippedLoss > unclipped;
  let loss = Math.max(unclipped, clippedLoss);
  let grad = clipped ? 0 : -advantage * ratio;
  if (clip.dual != null && advantage < 0) {
    const floor = -advantage * clip.dual;
    if (loss > floor) {
      loss = floor;
      grad = 0;
    }
  }
  return { loss, grad, clipped };
}

/**
 * Value loss term max((v−R)², (v̂−R)²) with v̂ = clip(v, v_old−ε_v, v_old+ε_v); the caller applies ½·agg(·).
 * `grad` is d/dv of the term (not yet halved).
 */
export function clippedValueToken(value: number, valueOld: number, target: number, clipValue: number): TokenLoss {
  const clippedValue = clamp(value, valueOld - clipValue, valueOld + clipValue);
  const unclipped = (value - target) ** 2;
  const clippedTerm = (clippedValue - target) ** 2;
  const clipped = clippedTerm > unclipped;
  return { loss: Math.max(unclipped, clippedTerm), grad: clipped ? 0 : 2 * (value - target), clipped };
}

/** Per-token PPO losses for one sequence plus the clip fraction over valid tokens. */
export function ppoPolicyLoss(
  lp: readonly number[],
  lpOld: readonly number[],
  advantages: readonly number[],
  clip: ClipRange,
  mask: readonly number[] = lp.map(() => 1),
): { losses: number[]; grads: number[]; clipfrac: number } {
  const tokens = lp.map((value, t) => (mask[t] > 0 ? ppoClipToken(value, lpOld[t], advantages[t], clip) : { loss: 0, grad: 0, clipped: false }));
  const valid = mask.filter((m) => m > 0).length;
  return {
    losses: tokens.map((token) => token.loss),
    grads: tokens.map((token) => token.grad),
    clipfrac: valid ? tokens.filter((token) => token.clipped).length / valid : 0,
  };
}
