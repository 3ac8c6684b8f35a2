/**
 * GRPO (verl ε 1e-6 by default; TRL's 1e-4 via `epsilon`) and Dr.GRPO (`variant: 'dr-grpo'`: no std division, loss
 * normalized by a constant). PPO-clip over the completion with the group advantage broadcast (training-anchors.md §1.3).
 */
import { z } from 'zod';
import type { AlgorithmFactory } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { drGrpoAdvantages, grpoAdvantages, VERL_GRPO_EPSILON } from '../../core/rl/group-advantages.ts';
import { ClipOptions, checkGroups, KlEstimatorOption, parseOptions, sequenceRow, summary } from './shared.ts';

const defaults = { variant: 'grpo', epsilon: VERL_GRPO_EPSILON, clipLow: 0.2, clipHigh: 0.2, klCoef: 0, klEstimator: 'k3' } as const;

const Options = z.strictObject({
  variant: z.enum(['grpo', 'dr-grpo']).default(defaults.variant),
  epsilon: z.number().positive().default(defaults.epsilon),
  ...ClipOptions,
  /** β of the GRPO-style `+β·k3` loss term toward the reference model; TRL's default is 0 (no reference needed). */
  klCoef: z.number().nonnegative().default(defaults.klCoef),
  klEstimator: KlEstimatorOption.default(defaults.klEstimator),
  /** Dr.GRPO's divisor is rows × this (TRL max_completion_length); by default the longest completion in the batch. */
  maxCompletionLength: z.number().int().positive().optional(),
});

export const createGrpo: AlgorithmFactory = () => ({
  id: 'grpo',
  title: 'GRPO / Dr.GRPO (group-relative, no critic)',
  suits: 'binary or graded outcomes with variance inside groups of samples; no critic',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('grpo', Options, options);
    const drGrpo = settings.variant === 'dr-grpo';
    const rows: SequenceRow[] = [];
    const advantages: number[] = [];
    for (const group of checkGroups(groups)) {
      const rewards = group.map((rollout) => rollout.reward);
      const groupAdvantages = drGrpo ? drGrpoAdvantages(rewards) : grpoAdvantages(rewards, { epsilon: settings.epsilon });
      group.forEach((rollout, i) => rows.push(sequenceRow(rollout, { advantage: groupAdvantages[i] })));
      advantages.push(...groupAdvantages);
    }
    const longest = Math.max(1, ...rows.map((row) => row.mask.filter((m) => m > 0).length));
    return {
      rows,
      loss: {
        kind: 'ppo_clip',
        clip_low: settings.clipLow,
        clip_high: settings.clipHigh,
        agg: drGrpo ? 'constant' : 'token_mean',
        agg_constant: drGrpo ? Math.max(1, rows.length) * (settings.maxCompletionLength ?? longest) : null,
        kl: { coef: settings.klCoef, estimator: settings.klEstimator, where: 'loss' },
      },
      stats: { groups: groups.length, rows: rows.length, ...summary('adv', advantages) },
    };
  },
});
