/** What every algorithm plugin needs: option parsing with clear errors, rollout checks, row building, summaries. */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import type { Rollout } from '../../core/ports/algorithm.ts';
import type { SequenceRow, TrainJob } from '../../core/ports/trainer.ts';
import { mean, sampleStd } from '../../core/rl/numeric.ts';

/** Validates `options` against an algorithm's schema; the error names the offending option (`options.<key>`). */
export function parseOptions<Schema extends z.ZodType>(algorithmId: string, schema: Schema, options: Record<string, unknown> | undefined): z.infer<Schema> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).join('.');
  const message = issue.code === 'unrecognized_keys' ? `is not an option of ${algorithmId}` : `${issue.message} (algorithm ${algorithmId})`;
  throw new ValidationError(message, `options.${key}`);
}

/** Token arrays of a rollout must line up before anything is computed from them. */
export function checkRollout(rollout: Rollout, field: string): void {
  const perToken: Record<string, readonly number[] | null | undefined> = {
    mask: rollout.mask,
    samplerLogprobs: rollout.samplerLogprobs,
    tokenRewards: rollout.tokenRewards,
    refLogprobs: rollout.refLogprobs,
  };
  for (const [name, values] of Object.entries(perToken)) {
    if (values && values.length !== rollout.tokens.length) {
      throw new ValidationError(`has ${values.length} entries, tokens ${rollout.tokens.length}`, `${field}.${name}`);
    }
  }
  if (!Number.isFinite(rollout.reward)) throw new ValidationError(`must be a finite number, got ${rollout.reward}`, `${field}.reward`);
}

/** Checks every rollout of every group; returns the groups unchanged for chaining. */
export function checkGroups(groups: Rollout[][]): Rollout[][] {
  groups.forEach((group, g) => group.forEach((rollout, i) => checkRollout(rollout, `groups[${g}][${i}]`)));
  return groups;
}

/** A sequence row for the trainer; a scalar advantage is broadcast over the completion (0 on mask-0 tokens). */
export function sequenceRow(rollout: Rollout, fields: { advantage?: number; advantages?: number[]; rewards?: number[] }): SequenceRow {
  const advantages = fields.advantages ?? (fields.advantage === undefined ? undefined : rollout.mask.map((m) => (m > 0 ? fields.advantage! : 0)));
  return {
    group: rollout.groupId,
    traj: rollout.trajectoryId,
    tokens: rollout.tokens,
    mask: rollout.mask,
    sampler_logprobs: rollout.samplerLogprobs,
    ...(advantages ? { advantages } : {}),
    ...(fields.rewards ? { rewards: fields.rewards } : {}),
    ref_logprobs: rollout.refLogprobs ?? null,
    reward: rollout.reward,
    ...(rollout.context ? { context: rollout.context } : {}),
  };
}

/** The sum of a rollout's completion logprobs (a DPO side's sequence logprob). */
export function completionLogprob(logprobs: readonly number[], mask: readonly number[]): number {
  return logprobs.reduce((total, lp, t) => total + (mask[t] > 0 ? lp : 0), 0);
}

export function summary(prefix: string, values: readonly number[]): Record<string, number> {
  return {
    [`${prefix}_mean`]: mean(values),
    [`${prefix}_std`]: sampleStd(values),
    [`${prefix}_min`]: values.length ? Math.min(...values) : 0,
    [`${prefix}_max`]: values.length ? Math.max(...values) : 0,
  };
}

/** Zero KL settings: most algorithms put no KL term anywhere unless asked. */
export const NO_KL: TrainJob['loss']['kl'] = { coef: 0, estimator: 'k1', where: 'loss' };

export const ClipOptions = {
  clipLow: z.number().nonnegative().default(0.2),
  clipHigh: z.number().nonnegative().default(0.2),
};

export const KlEstimatorOption = z.enum(['k1', 'k2', 'k3']);
