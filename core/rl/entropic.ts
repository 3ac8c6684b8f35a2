/**
 * Entropic advantage weighting for sparse, rare-success rewards (TTT-Discover, training-anchors.md §1.8), and the
 * RS-GRPO estimator of the same entropic objective J_β = (1/β)·log E[exp(βR)].
 */
import { logSumExp } from './numeric.ts';

/** The adaptive target: KL(softmax(βr) ‖ uniform) = ln 2. */
export const ENTROPIC_KL_TARGET = Math.LN2;
export const ENTROPIC_FIXED_BETA = 2;
const BRACKET_LIMIT = 1e6;
const BISECTIONS = 60;
const NORMALIZER_EPSILON = 1e-12;

/** e_i = exp(β(r_i − max r)), Z_i = leave-one-out mean of e (Z = e when K = 1), A_i = e_i/(Z_i + 1e-12) − 1. Not zero-mean. */
export function entropicAdvantages(rewards: readonly number[], beta: number): number[] {
  const peak = Math.max(...rewards);
  const weights = rewards.map((reward) => Math.exp(beta * (reward - peak)));
  const total = weights.reduce((a, b) => a + b, 0);
  const count = rewards.length;
  return weights.map((weight) => {
    const normalizer = count === 1 ? weight : (total - weight) / (count - 1);
    return weight / (normalizer + NORMALIZER_EPSILON) - 1;
  });
}

/** KL(q_β ‖ U) = Σ q·(log q + log K) with q = softmax(β·r), computed in log space so large β stays finite. */
export function entropicKl(rewards: readonly number[], beta: number): number {
  const peak = Math.max(...rewards);
  const logits = rewards.map((reward) => beta * (reward - peak));
  const normalizer = logSumExp(logits);
  const logK = Math.log(rewards.length);
  let kl = 0;
  for (const logit of logits) {
    const logQ = logit - normalizer;
    const q = Math.exp(logQ);
    if (q > 0) kl += q * (logQ + logK);
  }
  return kl;
}

/**
 * β with KL(q_β ‖ U) = δ, exactly as TTT-Discover: bracket lo = 0, hi = 1, double hi while KL(hi) < δ and hi < 1e6;
 * if KL(hi) is still below δ (a constant group, or ≥ K/2 successes in a 0/1 group) return that hi (2^20) as a best
 * effort; otherwise bisect 60 times and return hi. K < 2 → 0.
 */
export function adaptiveEntropicBeta(rewards: readonly number[], target = ENTROPIC_KL_TARGET): number {
  if (rewards.length < 2) return 0;
  let lo = 0;
  let hi = 1;
  if (entropicKl(rewards, hi) < target) {
    while (hi < BRACKET_LIMIT && entropicKl(rewards, hi) < target) hi *= 2;
    if (entropicKl(rewards, hi) < target) return hi;
  }
  for (let step = 0; step < BISECTIONS; step++) {
    const mid = 0.5 * (lo + hi);
    if (entropicKl(rewards, mid) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** RS-GRPO: s = (1/β)(logsumexp(βr) − log n), A_i = (exp(β(r_i − s)) − 1)/β. */
export function rsGrpoAdvantages(rewards: readonly number[], beta: number): { advantages: number[]; softValue: number } {
  const softValue = (logSumExp(rewards.map((reward) => beta * reward)) - Math.log(rewards.length)) / beta;
  return { advantages: rewards.map((reward) => (Math.exp(beta * (reward - softValue)) - 1) / beta), softValue };
}
