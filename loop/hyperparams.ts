/**
 * Hyperparameters of a weights decision: the Feedback-Agent's `hyperparams` (over the session's
 * `algorithmOptions` for that algorithm, over the algorithm's defaults) split into trainer settings and algorithm
 * options, each validated (the options by the algorithm's own schema, through plan([], options)). What comes out
 * is applied to the job and recorded in feedback.decided, training.submitted and weights.checkpointed.
 */
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import type { Algorithm } from '../core/ports/algorithm.ts';
import { trainingProfile } from '../plugins/trainers/profiles.ts';
import type { LoopContext, LoopOptions } from './context.ts';

/** Trainer settings an agent may change per update; the LoRA rank is fixed by the session (adapters chain). */
export const TrainingOverrides = z
  .strictObject({
    lr: z.number().positive().max(10),
    epochs: z.number().int().positive().max(100),
    minibatches: z.number().int().positive().max(1024),
    /** Relative changes (what an agent that does not know the session's settings can ask): lr × lrScale, epochs + extraEpochs. */
    lrScale: z.number().positive().max(10),
    extraEpochs: z.number().int().min(0).max(100),
  })
  .partial();
export type TrainingOverrides = z.infer<typeof TrainingOverrides>;
const TRAINING_KEYS = new Set(Object.keys(TrainingOverrides.shape));

export interface ResolvedHyperparams {
  training: { lr: number; epochs: number; minibatches: number };
  /** The algorithm options as given (the algorithm fills its own defaults when planning). */
  options: Record<string, unknown>;
}

/** What hyperparameters apply over: the trainer settings of the job's profile and the session's algorithm options. */
export interface HyperparamBase {
  training: { lr: number; epochs: number; minibatches?: number };
  algorithmOptions?: LoopOptions['algorithmOptions'];
}

/** The profile's trainer settings (a real model never starts from the tiny model's lr) and the session's options. */
export function hyperparamBase(context: LoopContext): HyperparamBase {
  const { optim } = trainingProfile(context.stack.names.trainer, context.stack.baseModel, context.options.training);
  return { training: { lr: optim.lr, epochs: optim.epochs, minibatches: optim.minibatches }, algorithmOptions: context.options.algorithmOptions };
}

/**
 * Splits and validates; throws ValidationError naming the key (`hyperparams.<key>`) when a trainer setting is out of
 * range or the algorithm's schema refuses an option. `hyperparams` may also be `{ training: {...}, options: {...} }`.
 */
export function resolveHyperparams(algorithm: Algorithm, hyperparams: Record<string, unknown> | undefined, options: HyperparamBase): ResolvedHyperparams {
  const given = hyperparams ?? {};
  const nested = typeof given.training === 'object' || typeof given.options === 'object';
  const trainingPart: Record<string, unknown> = nested
    ? ((given.training as Record<string, unknown>) ?? {})
    : Object.fromEntries(Object.entries(given).filter(([key]) => TRAINING_KEYS.has(key)));
  const optionPart: Record<string, unknown> = nested
    ? ((given.options as Record<string, unknown>) ?? {})
    : Object.fromEntries(Object.entries(given).filter(([key]) => !TRAINING_KEYS.has(key)));
  if (nested) {
    const extra = Object.keys(given).filter((key) => key !== 'training' && key !== 'options');
    if (extra.length > 0) throw new ValidationError('with `training`/`options` groups, no other key is allowed', `hyperparams.${extra[0]}`);
  }
  const parsedTraining = TrainingOverrides.safeParse(trainingPart);
  if (!parsedTraining.success) {
    const issue = parsedTraining.error.issues[0];
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : issue.path.map(String).join('.');
    throw new ValidationError(issue.message, `hyperparams.${key}`);
  }
  const merged = { ...(options.algorithmOptions?.[algorithm.id] ?? {}), ...optionPart };
  try {
    algorithm.plan([], merged);
  } catch (error) {
    if (error instanceof ValidationError) {
      const key = error.field?.replace(/^options\./, '') ?? '?';
      throw new ValidationError(error.message.replace(/^[^:]*: /, ''), `hyperparams.${key}`);
    }
    throw error;
  }
  const { lrScale, extraEpochs, ...absolute } = parsedTraining.data;
  const training = { lr: options.training.lr, epochs: options.training.epochs, minibatches: options.training.minibatches ?? 1, ...absolute };
  return {
    training: { ...training, lr: training.lr * (lrScale ?? 1), epochs: training.epochs + (extraEpochs ?? 0) },
    options: merged,
  };
}
