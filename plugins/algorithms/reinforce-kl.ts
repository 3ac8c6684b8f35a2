/**
 * REINFORCE with the KL to the base model folded into the reward (training-anchors.md §1.5 (a)):
 * r'_t = r_t − β·k_t(sampler lp, ref lp), returns G_t, baseline = the mean total return of the group's other samples.
 * Rows without reference logprobs get no KL term (at the first update the policy IS the base, so the KL is 0);
 * stats.rows_without_reference counts them.
 */
import { z } from 'zod';
import type { AlgorithmFactory, Rollout } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { discountedReturns, outcomeTokenRewards } from '../../core/rl/gae.ts';
import { klShapedReturns } from '../../core/rl/kl.ts';
import { checkGroups, KlEstimatorOption, parseOptions, sequenceRow, summary } from './shared.ts';

const defaults = { klCoef: 0.05, klEstimator: 'k1', gamma: 1 } as const;

const Options = z.strictObject({
  /** TRL PPO's kl_coef. */
  klCoef: z.number().nonnegative().default(defaults.klCoef),
  klEstimator: KlEstimatorOption.default(defaults.klEstimator),
  gamma: z.number().min(0).max(1).default(defaults.gamma),
});

type Settings = z.infer<typeof Options>;

function returnsOf(rollout: Rollout, settings: Settings): number[] {
  const rewards = rollout.tokenRewards ?? outcomeTokenRewards(rollout.mask, rollout.reward);
  if (!rollout.refLogprobs) return discountedReturns(rewards, rollout.mask, settings.gamma);
  return klShapedReturns(rewards, rollout.samplerLogprobs, rollout.refLogprobs, rollout.mask, settings.klCoef, settings.gamma, settings.klEstimator);
}

export const createReinforceKl: AlgorithmFactory = () => ({
  id: 'reinforce-kl',
  title: 'REINFORCE + KL-to-base in the reward',
  suits: 'dense rewards with regression risk: the policy is already good and must not drift far from the base',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('reinforce-kl', Options, options);
    const rows: SequenceRow[] = [];
    const advantages: number[] = [];
    let withoutReference = 0;
    for (const group of checkGroups(groups)) {
      const returns = group.map((rollout) => returnsOf(rollout, settings));
      const totals = group.map((rollout, i) => returns[i][rollout.mask.findIndex((m) => m > 0)] ?? 0);
      const sumOfTotals = totals.reduce((a, b) => a + b, 0);
      group.forEach((rollout, i) => {
        if (!rollout.refLogprobs) withoutReference++;
        const baseline = group.length > 1 ? (sumOfTotals - totals[i]) / (group.length - 1) : 0;
        const rowAdvantages = returns[i].map((value, t) => (rollout.mask[t] > 0 ? value - baseline : 0));
        rows.push(sequenceRow(rollout, { advantages: rowAdvantages }));
        advantages.push(totals[i] - baseline);
      });
    }
    return {
      rows,
      loss: { kind: 'is', agg: 'token_mean', agg_constant: null, kl: { coef: settings.klCoef, estimator: settings.klEstimator, where: 'reward' } },
      stats: { groups: groups.length, rows: rows.length, rows_without_reference: withoutReference, ...summary('adv', advantages) },
    };
  },
});
