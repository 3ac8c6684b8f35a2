/**
 * Best-of-N behaviour cloning (training-anchors.md §1.7): keep the top k samples of each group (ties → lower index),
 * optionally only those with reward ≥ threshold, and train cross-entropy on them (weight 1 per completion token).
 * Without a threshold a constant group is skipped: it has no best sample, and cloning it would copy arbitrary failures.
 */
import { z } from 'zod';
import type { AlgorithmFactory } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { selectBestOfN } from '../../core/rl/best-of-n.ts';
import { allEqual } from '../../core/rl/numeric.ts';
import { checkGroups, NO_KL, parseOptions, sequenceRow, summary } from './shared.ts';

const defaults = { k: 1 } as const;

const Options = z.strictObject({
  k: z.number().int().positive().default(defaults.k),
  /** Keep only samples with reward ≥ threshold (e.g. 1 for successes only); none by default. */
  threshold: z.number().nullable().default(null),
});

export const createBonBc: AlgorithmFactory = () => ({
  id: 'bon-bc',
  title: 'Best-of-N behaviour cloning',
  suits: 'extremely sparse rewards: clone the rare successes, no negatives',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('bon-bc', Options, options);
    const rows: SequenceRow[] = [];
    const keptRewards: number[] = [];
    for (const group of checkGroups(groups)) {
      const rewards = group.map((rollout) => rollout.reward);
      if (settings.threshold === null && (group.length < 2 || allEqual(rewards))) continue;
      for (const index of selectBestOfN(rewards, settings.k, settings.threshold)) {
        rows.push(sequenceRow(group[index], { advantage: 1 }));
        keptRewards.push(rewards[index]);
      }
    }
    return {
      rows,
      loss: { kind: 'cross_entropy', agg: 'token_mean', agg_constant: null, kl: NO_KL },
      stats: { groups: groups.length, kept: rows.length, ...summary('kept_reward', keptRewards) },
    };
  },
});
