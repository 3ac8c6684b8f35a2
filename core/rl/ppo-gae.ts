/**
 * The PPO+GAE part of sequenceLoss (loss kind ppo_gae, training-anchors.md §1.1–1.2): rows carry token rewards, the
 * critic's values give GAE advantages (held constant, whitened over the batch) and value targets.
 *
 * The row format carries no old values, so the values passed in serve both as the GAE baseline and as v_old of the
 * value clip: on that first pass the clip cannot bind. Trainers that keep v_old across epochs use clippedValueToken
 * directly. Without values (no critic) V ≡ 0: advantages become whitened λγ-discounted reward-to-go and no value loss.
 */
import type { SequenceRow, TrainJob } from '../ports/trainer.ts';
import { gae, maskedWhiten, outcomeTokenRewards } from './gae.ts';
import { mean } from './numeric.ts';
import { clippedValueToken, ppoClipToken, type TokenLoss } from './ppo.ts';

export interface PpoGaeTerms {
  policy: TokenLoss[][];
  /** ½·agg(max((v−R)², (v̂−R)²)), before vf_coef. */
  valueLoss: number;
  gradValues?: number[][];
  metrics: Record<string, number>;
}

const NO_TERM: TokenLoss = { loss: 0, grad: 0, clipped: false };

export function ppoGaeTerms(
  spec: TrainJob['loss'],
  rows: SequenceRow[],
  current: number[][],
  values: number[][] | undefined,
  weights: number[][],
): PpoGaeTerms {
  const masks = rows.map((row) => row.mask);
  const estimates = rows.map((row, i) =>
    gae(row.rewards ?? outcomeTokenRewards(row.mask, row.reward), values?.[i] ?? row.tokens.map(() => 0), row.mask, spec.gae.gamma, spec.gae.lam),
  );
  const advantages = maskedWhiten(
    estimates.map((estimate) => estimate.advantages),
    masks,
  );
  const clip = { low: spec.clip_low, high: spec.clip_high };
  const policy = rows.map((row, i) => row.mask.map((m, t) => (m > 0 ? ppoClipToken(current[i][t], row.sampler_logprobs[t], advantages[i][t], clip) : NO_TERM)));
  const rawAdvantages = estimates.flatMap((estimate, i) => estimate.advantages.filter((_, t) => masks[i][t] > 0));
  const metrics: Record<string, number> = { adv_mean: mean(rawAdvantages) };
  if (!values) return { policy, valueLoss: 0, metrics };

  let valueLoss = 0;
  let clippedValues = 0;
  const gradValues = rows.map((row, i) =>
    row.mask.map((m, t) => {
      if (m <= 0) return 0;
      const term = clippedValueToken(values[i][t], values[i][t], estimates[i].returns[t], spec.gae.clip_value);
      if (term.clipped) clippedValues++;
      valueLoss += 0.5 * weights[i][t] * term.loss;
      return spec.gae.vf_coef * 0.5 * weights[i][t] * term.grad;
    }),
  );
  metrics.vf_loss = valueLoss;
  metrics.vf_clipfrac = rawAdvantages.length ? clippedValues / rawAdvantages.length : 0;
  return { policy, valueLoss, gradValues, metrics };
}
