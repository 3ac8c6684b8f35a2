/**
 * Loss values and their gradients with respect to the policy's per-token logprobs (and values, for PPO+GAE).
 * Trainers backpropagate these through their model: the tiny TS policy does it in plugins/trainers/tiny.ts,
 * the gpu/ worker mirrors the same formulas in torch. Golden vectors: reference/training-anchors.md §1.
 * (Signatures fixed by the lead; the weights/algorithms engineer implements the bodies.)
 */
import { ValidationError } from '../errors.ts';
import type { PreferenceRow, SequenceRow, TrainJob } from '../ports/trainer.ts';
import { aggregationWeights } from './aggregate.ts';
import { dpoLoss } from './dpo.ts';
import { klToken } from './kl.ts';
import { ppoClipToken } from './ppo.ts';
import { ppoGaeTerms } from './ppo-gae.ts';
import { cispoToken, crossEntropyToken, importanceSamplingToken, type TokenTerm } from './token-losses.ts';

export type LossSpec = TrainJob['loss'];

export interface SequenceLossResult {
  loss: number;
  /** dLoss/dlogprob per row per token (0 where mask is 0). */
  gradLogprobs: number[][];
  /** dLoss/dvalue per row per token, for ppo_gae. */
  gradValues?: number[][];
  metrics: Record<string, number>;
}

export interface PreferenceLossResult {
  loss: number;
  /** dLoss/dlogprob for each chosen / rejected token. */
  gradChosen: number[][];
  gradRejected: number[][];
  metrics: Record<string, number>;
}

/**
 * `current[i][t]` is the current policy's logprob of rows[i].tokens[t]; `values` the critic's values for ppo_gae.
 * Policy-gradient kinds read rows[i].advantages; cross_entropy reads them as per-token weights (1 when absent).
 * ppo_gae runs GAE on rows[i].rewards (see ppo-gae.ts). With spec.kl.where === 'loss' and coef > 0, rows that carry
 * ref_logprobs add coef·k(lp, lp_ref) to each token's loss.
 */
export function sequenceLoss(spec: LossSpec, rows: SequenceRow[], current: number[][], values?: number[][]): SequenceLossResult {
  checkAligned('current', rows, current);
  if (values) checkAligned('values', rows, values);
  const masks = rows.map((row) => row.mask);
  const weights = aggregationWeights(masks, spec.agg, spec.agg_constant);
  const gae = spec.kind === 'ppo_gae' ? ppoGaeTerms(spec, rows, current, values, weights) : null;
  const clip = { low: spec.clip_low, high: spec.clip_high };
  const klActive = spec.kl.where === 'loss' && spec.kl.coef > 0;
  let policyLoss = 0;
  let klLoss = 0;
  let clippedTokens = 0;
  let validTokens = 0;
  let klTokens = 0;
  const gradLogprobs = rows.map((row, i) =>
    row.tokens.map((_, t) => {
      if (row.mask[t] <= 0) return 0;
      validTokens++;
      const lp = current[i][t];
      const term = gae ? gae.policy[i][t] : policyTerm(spec, row, i, t, lp, clip);
      if ('clipped' in term && term.clipped) clippedTokens++;
      policyLoss += weights[i][t] * term.loss;
      let grad = weights[i][t] * term.grad;
      if (klActive && row.ref_logprobs) {
        const kl = klToken(lp, row.ref_logprobs[t], spec.kl.estimator);
        klLoss += weights[i][t] * kl.value;
        klTokens++;
        grad += weights[i][t] * spec.kl.coef * kl.grad;
      }
      return grad;
    }),
  );
  const valueLoss = gae?.valueLoss ?? 0;
  const loss = policyLoss + spec.gae.vf_coef * valueLoss + spec.kl.coef * (klActive ? klLoss : 0);
  const metrics: Record<string, number> = { loss, pg_loss: policyLoss, n_tokens: validTokens };
  if (spec.kind === 'ppo_clip' || spec.kind === 'ppo_gae') metrics.clipfrac = validTokens ? clippedTokens / validTokens : 0;
  if (klActive) Object.assign(metrics, { kl: klLoss, kl_tokens: klTokens });
  if (gae) Object.assign(metrics, gae.metrics);
  return { loss, gradLogprobs, ...(gae?.gradValues ? { gradValues: gae.gradValues } : {}), metrics };
}

function policyTerm(
  spec: LossSpec,
  row: SequenceRow,
  i: number,
  t: number,
  lp: number,
  clip: { low: number; high: number },
): TokenTerm & { clipped?: boolean } {
  if (spec.kind === 'cross_entropy') return crossEntropyToken(lp, row.advantages?.[t] ?? 1);
  if (!row.advantages) throw new ValidationError(`loss kind ${spec.kind} needs per-token advantages`, `rows[${i}].advantages`);
  const advantage = row.advantages[t];
  const lpSampler = row.sampler_logprobs[t];
  switch (spec.kind) {
    case 'is':
      return importanceSamplingToken(lp, lpSampler, advantage);
    case 'ppo_clip':
      return ppoClipToken(lp, lpSampler, advantage, clip);
    case 'cispo':
      return cispoToken(lp, lpSampler, advantage, clip);
    default:
      throw new ValidationError(`sequenceLoss does not compute loss kind ${spec.kind} (use preferenceLoss for dpo)`, 'loss.kind');
  }
}

function checkAligned(name: string, rows: SequenceRow[], arrays: number[][]): void {
  if (arrays.length !== rows.length) throw new ValidationError(`has ${arrays.length} rows, the batch ${rows.length}`, name);
  rows.forEach((row, i) => {
    if (arrays[i].length !== row.tokens.length) throw new ValidationError(`has ${arrays[i].length} entries, tokens ${row.tokens.length}`, `${name}[${i}]`);
  });
}

/**
 * DPO over pairs, averaged over pairs as TRL and the gpu/ worker do (token aggregation does not apply: each side's
 * logprob is already its masked sum). `chosen[i][t]` / `rejected[i][t]` are the current logprobs of each side's tokens; a side's logprob is their masked sum.
 * Reference logprobs must be filled in (the algorithm plan does so from ref or sampler logprobs).
 */
export function preferenceLoss(spec: LossSpec, rows: PreferenceRow[], chosen: number[][], rejected: number[][]): PreferenceLossResult {
  const scale = rows.length ? 1 / rows.length : 0;
  let loss = 0;
  let correct = 0;
  let marginTotal = 0;
  let chosenRewardTotal = 0;
  let rejectedRewardTotal = 0;
  const gradChosen: number[][] = [];
  const gradRejected: number[][] = [];
  rows.forEach((row, i) => {
    const lpChosen = maskedSum(chosen[i], row.chosen.mask, `chosen[${i}]`);
    const lpRejected = maskedSum(rejected[i], row.rejected.mask, `rejected[${i}]`);
    if (row.ref_lp_chosen === null) throw new ValidationError('is null: DPO needs the reference logprob of the chosen side', `rows[${i}].ref_lp_chosen`);
    if (row.ref_lp_rejected === null) throw new ValidationError('is null: DPO needs the reference logprob of the rejected side', `rows[${i}].ref_lp_rejected`);
    const pair = dpoLoss(lpChosen, lpRejected, row.ref_lp_chosen, row.ref_lp_rejected, spec.dpo_beta);
    loss += scale * pair.loss;
    if (pair.margin > 0) correct++;
    marginTotal += pair.margin;
    chosenRewardTotal += pair.chosenReward;
    rejectedRewardTotal += pair.rejectedReward;
    gradChosen.push(row.chosen.mask.map((m) => (m > 0 ? scale * pair.gradChosen : 0)));
    gradRejected.push(row.rejected.mask.map((m) => (m > 0 ? scale * pair.gradRejected : 0)));
  });
  const pairs = rows.length || 1;
  return {
    loss,
    gradChosen,
    gradRejected,
    metrics: {
      loss,
      pairs: rows.length,
      accuracy: correct / pairs,
      margin: marginTotal / pairs,
      chosen_reward: chosenRewardTotal / pairs,
      rejected_reward: rejectedRewardTotal / pairs,
    },
  };
}

function maskedSum(logprobs: number[] | undefined, mask: number[], field: string): number {
  if (!logprobs || logprobs.length !== mask.length) throw new ValidationError(`needs ${mask.length} logprobs, got ${logprobs?.length ?? 0}`, field);
  return logprobs.reduce((total, lp, t) => total + (mask[t] > 0 ? lp : 0), 0);
}
