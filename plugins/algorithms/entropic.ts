/**
 * Entropic advantage weighting (TTT-Discover, training-anchors.md §1.8): rare winners get large positive advantages.
 * β is solved per group so that KL(softmax(βr) ‖ uniform) = ln 2 unless a fixed `beta` is given. `variant: 'rs-grpo'`
 * uses the RS-GRPO estimator of the same objective; its paper fixes β, so 'adaptive' means β = 2 there.
 * Loss: Tinker's importance_sampling summed over tokens, as TTT-Discover trains.
 */
import { z } from 'zod';
import type { AlgorithmFactory } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { adaptiveEntropicBeta, ENTROPIC_FIXED_BETA, entropicAdvantages, rsGrpoAdvantages } from '../../core/rl/entropic.ts';
import { checkGroups, NO_KL, parseOptions, sequenceRow, summary } from './shared.ts';

const defaults = { variant: 'entropic', beta: 'adaptive' } as const;

const Options = z.strictObject({
  variant: z.enum(['entropic', 'rs-grpo']).default(defaults.variant),
  beta: z.union([z.literal('adaptive'), z.number().positive()]).default(defaults.beta),
});

export const createEntropic: AlgorithmFactory = () => ({
  id: 'entropic',
  title: 'Entropic advantage weighting (TTT-Discover; RS-GRPO option)',
  suits: 'sparse or mostly-failing rewards where a few samples succeed (e.g. many compile failures)',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('entropic', Options, options);
    const rows: SequenceRow[] = [];
    const advantages: number[] = [];
    const betas: number[] = [];
    for (const group of checkGroups(groups)) {
      if (group.length === 0) continue;
      const rewards = group.map((rollout) => rollout.reward);
      const beta = settings.beta !== 'adaptive' ? settings.beta : settings.variant === 'rs-grpo' ? ENTROPIC_FIXED_BETA : adaptiveEntropicBeta(rewards);
      const groupAdvantages = settings.variant === 'rs-grpo' ? rsGrpoAdvantages(rewards, beta).advantages : entropicAdvantages(rewards, beta);
      group.forEach((rollout, i) => rows.push(sequenceRow(rollout, { advantage: groupAdvantages[i] })));
      advantages.push(...groupAdvantages);
      betas.push(beta);
    }
    return {
      rows,
      loss: { kind: 'is', agg: 'token_sum', agg_constant: null, kl: NO_KL },
      stats: { groups: groups.length, rows: rows.length, ...summary('adv', advantages), ...summary('beta', betas) },
    };
  },
});
