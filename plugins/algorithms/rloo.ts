/** RLOO: each sample's baseline is the mean of the other samples of its group (training-anchors.md §1.4). */
import { z } from 'zod';
import type { AlgorithmFactory } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { rlooAdvantages } from '../../core/rl/group-advantages.ts';
import { ClipOptions, checkGroups, NO_KL, parseOptions, sequenceRow, summary } from './shared.ts';

const defaults = { clipLow: 0.2, clipHigh: 0.2 } as const;
const Options = z.strictObject({ ...ClipOptions });

export const createRloo: AlgorithmFactory = () => ({
  id: 'rloo',
  title: 'RLOO (leave-one-out baseline)',
  suits: 'groups of several samples per item with unscaled rewards; unbiased baseline, no critic',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('rloo', Options, options);
    const rows: SequenceRow[] = [];
    const advantages: number[] = [];
    for (const group of checkGroups(groups)) {
      const groupAdvantages = rlooAdvantages(group.map((rollout) => rollout.reward));
      group.forEach((rollout, i) => rows.push(sequenceRow(rollout, { advantage: groupAdvantages[i] })));
      advantages.push(...groupAdvantages);
    }
    return {
      rows,
      loss: { kind: 'ppo_clip', clip_low: settings.clipLow, clip_high: settings.clipHigh, agg: 'token_mean', agg_constant: null, kl: NO_KL },
      stats: { groups: groups.length, rows: rows.length, ...summary('adv', advantages) },
    };
  },
});
