/**
 * A full train-job loss spec from an algorithm plan's partial one: what the plan leaves out takes these defaults
 * (ε 0.2, token mean, no KL, TRL's DPO β 0.1 and PPO γ/λ/vf_coef/clip_value).
 */
import type { AlgorithmPlan } from '../ports/algorithm.ts';
import type { LossSpec } from './loss.ts';

export const DEFAULT_LOSS_SPEC: Omit<LossSpec, 'kind'> = {
  clip_low: 0.2,
  clip_high: 0.2,
  agg: 'token_mean',
  agg_constant: null,
  kl: { coef: 0, estimator: 'k1', where: 'loss' },
  dpo_beta: 0.1,
  gae: { gamma: 1, lam: 0.95, vf_coef: 0.1, clip_value: 0.2 },
};

export function completeLossSpec(partial: AlgorithmPlan['loss']): LossSpec {
  return {
    ...DEFAULT_LOSS_SPEC,
    ...partial,
    kl: { ...DEFAULT_LOSS_SPEC.kl, ...partial.kl },
    gae: { ...DEFAULT_LOSS_SPEC.gae, ...partial.gae },
  };
}
