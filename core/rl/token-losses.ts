/**
 * Per-token policy losses with their derivative w.r.t. the current logprob lp (Tinker's built-ins, training-anchors.md
 * §1.9). lpSampler is the sampler's logprob; ρ = exp(lp − lpSampler). PPO-clip lives in ppo.ts.
 */
import { clamp } from './numeric.ts';
import { type ClipRange, ppoClipToken } from './ppo.ts';

export interface TokenTerm {
  loss: number;
  grad: number;
}

/** importance_sampling: −ρ·A. */
export function importanceSamplingToken(lp: number, lpSampler: number, advantage: number): TokenTerm {
  const ratio = Math.exp(lp - lpSampler);
  return { loss: -ratio * advantage, grad: -ratio * advantage };
}

/** cispo: −sg(clip ρ)·lp·A; the clipped ratio is a constant weight, so the gradient is −clip(ρ)·A. */
export function cispoToken(lp: number, lpSampler: number, advantage: number, clip: ClipRange): TokenTerm {
  const weight = clamp(Math.exp(lp - lpSampler), 1 - clip.low, 1 + clip.high);
  return { loss: -weight * lp * advantage, grad: -weight * advantage };
}

/** dro: −(lp·A − ½β(lp − lp_q)²). */
export function droToken(lp: number, lpSampler: number, advantage: number, beta: number): TokenTerm {
  const drift = lp - lpSampler;
  return { loss: -(lp * advantage - 0.5 * beta * drift * drift), grad: -advantage + beta * drift };
}

/** cross_entropy: −lp·w. */
export function crossEntropyToken(lp: number, weight: number): TokenTerm {
  return { loss: -lp * weight, grad: -weight };
}

export type TinkerLossKind = 'importance_sampling' | 'ppo' | 'cispo' | 'dro' | 'cross_entropy';

/** Tinker's convention: token losses summed (ε fixed at 0.2 there; for cross_entropy the advantages are the weights). */
export function tinkerLoss(
  kind: TinkerLossKind,
  lp: readonly number[],
  lpSampler: readonly number[],
  advantages: readonly number[],
  options: { clip?: ClipRange; droBeta?: number } = {},
): { loss: number; grads: number[] } {
  const clip = options.clip ?? { low: 0.2, high: 0.2 };
  const terms = lp.map((value, t): TokenTerm => {
    switch (kind) {
      case 'importance_sampling':
        return importanceSamplingToken(value, lpSampler[t], advantages[t]);
      case 'ppo':
        return ppoClipToken(value, lpSampler[t], advantages[t], clip);
      case 'cispo':
        return cispoToken(value, lpSampler[t], advantages[t], clip);
      case 'dro':
        return droToken(value, lpSampler[t], advantages[t], options.droBeta ?? 0);
      case 'cross_entropy':
        return crossEntropyToken(value, advantages[t]);
    }
  });
  return { loss: terms.reduce((total, term) => total + term.loss, 0), grads: terms.map((term) => term.grad) };
}
