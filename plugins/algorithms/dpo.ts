/**
 * DPO from ranked samples (training-anchors.md §1.6): in each group whose rewards differ, the best sample is chosen and
 * the worst rejected (ties → the lower index). The reference logprob of a side is the sum of its reference logprobs,
 * or of its sampler logprobs when the rollout has none (the sampling policy then anchors the update; counted in stats).
 */
import { z } from 'zod';
import type { AlgorithmFactory, Rollout } from '../../core/ports/algorithm.ts';
import type { PreferenceRow } from '../../core/ports/trainer.ts';
import { selectBestOfN } from '../../core/rl/best-of-n.ts';
import { TRL_DPO_BETA } from '../../core/rl/dpo.ts';
import { allEqual } from '../../core/rl/numeric.ts';
import { checkGroups, completionLogprob, NO_KL, parseOptions } from './shared.ts';

const defaults = { beta: TRL_DPO_BETA } as const;
const Options = z.strictObject({ beta: z.number().positive().default(defaults.beta) });

function side(rollout: Rollout): PreferenceRow['chosen'] {
  return { tokens: rollout.tokens, mask: rollout.mask, ...(rollout.context ? { context: rollout.context } : {}) };
}

function referenceLogprob(rollout: Rollout): number {
  return completionLogprob(rollout.refLogprobs ?? rollout.samplerLogprobs, rollout.mask);
}

export const createDpo: AlgorithmFactory = () => ({
  id: 'dpo',
  title: 'DPO (best vs worst sample of a group)',
  suits: 'ranking-only or pairwise signal: which sample beats which, not by how much',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('dpo', Options, options);
    const rows: PreferenceRow[] = [];
    let referenceFromSampler = 0;
    for (const group of checkGroups(groups)) {
      const rewards = group.map((rollout) => rollout.reward);
      if (group.length < 2 || allEqual(rewards)) continue;
      const ranked = selectBestOfN(rewards, rewards.length);
      const worstReward = rewards[ranked[ranked.length - 1]];
      const chosen = group[ranked[0]];
      const rejected = group[rewards.indexOf(worstReward)];
      referenceFromSampler += (chosen.refLogprobs ? 0 : 1) + (rejected.refLogprobs ? 0 : 1);
      rows.push({
        group: chosen.groupId,
        chosen: side(chosen),
        rejected: side(rejected),
        ref_lp_chosen: referenceLogprob(chosen),
        ref_lp_rejected: referenceLogprob(rejected),
      });
    }
    return {
      rows,
      loss: { kind: 'dpo', dpo_beta: settings.beta, agg: 'token_mean', agg_constant: null, kl: NO_KL },
      stats: { groups: groups.length, pairs: rows.length, skipped_groups: groups.length - rows.length, reference_from_sampler: referenceFromSampler },
    };
  },
});
