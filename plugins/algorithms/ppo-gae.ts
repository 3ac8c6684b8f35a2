/**
 * PPO with a critic and GAE (training-anchors.md §1.1–1.2). GAE needs the critic's values, so it runs in the trainer:
 * rows carry token rewards (the task's per-token rewards, else the outcome on the last completion token) minus TRL's
 * per-token KL penalty kl_coef·k1 where reference logprobs exist.
 */
import { z } from 'zod';
import type { AlgorithmFactory } from '../../core/ports/algorithm.ts';
import type { SequenceRow } from '../../core/ports/trainer.ts';
import { outcomeTokenRewards } from '../../core/rl/gae.ts';
import { klPenalizedRewards } from '../../core/rl/kl.ts';
import { ClipOptions, checkGroups, parseOptions, sequenceRow, summary } from './shared.ts';

/** TRL PPO defaults (trl/experimental/ppo/ppo_config.py). */
const defaults = { gamma: 1, lam: 0.95, vfCoef: 0.1, clipValue: 0.2, clipLow: 0.2, clipHigh: 0.2, klCoef: 0.05 } as const;

const Options = z.strictObject({
  gamma: z.number().min(0).max(1).default(defaults.gamma),
  lam: z.number().min(0).max(1).default(defaults.lam),
  vfCoef: z.number().nonnegative().default(defaults.vfCoef),
  clipValue: z.number().nonnegative().default(defaults.clipValue),
  ...ClipOptions,
  klCoef: z.number().nonnegative().default(defaults.klCoef),
});

export const createPpoGae: AlgorithmFactory = () => ({
  id: 'ppo-gae',
  title: 'PPO + GAE (critic / value head)',
  suits: 'dense, graded outcome rewards (partial credit) a critic can regress on',
  defaults,
  plan(groups, options) {
    const settings = parseOptions('ppo-gae', Options, options);
    const rows: SequenceRow[] = [];
    const rewardSums: number[] = [];
    for (const rollout of checkGroups(groups).flat()) {
      const base = rollout.tokenRewards ?? outcomeTokenRewards(rollout.mask, rollout.reward);
      const rewards =
        rollout.refLogprobs && settings.klCoef > 0
          ? klPenalizedRewards(base, rollout.samplerLogprobs, rollout.refLogprobs, rollout.mask, settings.klCoef, 'k1')
          : base;
      rows.push(sequenceRow(rollout, { rewards }));
      rewardSums.push(rewards.reduce((a, b) => a + b, 0));
    }
    return {
      rows,
      loss: {
        kind: 'ppo_gae',
        clip_low: settings.clipLow,
        clip_high: settings.clipHigh,
        agg: 'token_mean',
        agg_constant: null,
        kl: { coef: settings.klCoef, estimator: 'k1', where: 'reward' },
        gae: { gamma: settings.gamma, lam: settings.lam, vf_coef: settings.vfCoef, clip_value: settings.clipValue },
      },
      stats: { groups: groups.length, rows: rows.length, ...summary('shaped_return', rewardSums) },
    };
  },
});
