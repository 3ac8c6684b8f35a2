/**
 * The one schema of the TS ⇄ gpu/ trainer contract (training-anchors.md §5): the `sia.train-job/v1` job spec and
 * the batch rows. zod validates on the TS side; `z.toJSONSchema` writes gpu/schema/*.json, which the Python worker
 * checks with stdlib json only. tests/gpu-contract.unit.test.ts fails when the checked-in files drift.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import type { PreferenceRow, SequenceRow, TrainJob, TrainRow } from '../../core/ports/trainer.ts';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const Probability = z.number().min(0).max(1);
const Context = z.record(z.string(), z.unknown());

export const TrainJobSchema = z.strictObject({
  schema: z.literal('sia.train-job/v1'),
  job_id: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore, not starting with a dot (it names files)'),
  base_model: z.string().min(1),
  base_revision: z.string().nullable(),
  adapter_in: z.string().nullable(),
  adapter_out: z.string().min(1),
  lora: z.strictObject({
    rank: z.number().int().positive(),
    alpha: z.number().positive(),
    dropout: Probability,
    target_modules: z.union([z.string(), z.array(z.string())]),
    target_parameters: z.array(z.string()),
  }),
  loss: z.strictObject({
    kind: z.enum(['is', 'ppo_clip', 'cispo', 'cross_entropy', 'dpo', 'ppo_gae']),
    clip_low: z.number().nonnegative(),
    clip_high: z.number().nonnegative(),
    agg: z.enum(['token_sum', 'token_mean', 'seq_mean_token_mean', 'constant']),
    agg_constant: z.number().positive().nullable(),
    kl: z.strictObject({ coef: z.number().nonnegative(), estimator: z.enum(['k1', 'k2', 'k3']), where: z.enum(['reward', 'loss']) }),
    dpo_beta: z.number().positive(),
    gae: z.strictObject({
      gamma: Probability,
      lam: Probability,
      vf_coef: z.number().nonnegative(),
      clip_value: z.number().nonnegative(),
    }),
  }),
  optim: z.strictObject({
    lr: z.number().positive(),
    beta1: z.number().min(0).lt(1),
    beta2: z.number().min(0).lt(1),
    eps: z.number().positive(),
    weight_decay: z.number().nonnegative(),
    grad_clip: z.number().nonnegative(),
    epochs: z.number().int().positive(),
    minibatches: z.number().int().positive(),
    seed: z.number().int().nonnegative(),
  }),
  data: z.strictObject({ uri: z.string().min(1), sha256: Sha256Hex, n_rows: z.number().int().nonnegative() }),
  /** The Feedback-Agent's overrides (lr, epochs, rank, micro_batch_size…), applied by the worker over lora/optim. */
  hyperparams: z.record(z.string(), z.number()).optional(),
});

const TokenIds = z.array(z.number().int().nonnegative());
const Mask = z.array(z.number().int().min(0).max(1));

export const SequenceRowSchema = z.strictObject({
  group: z.string(),
  traj: z.string(),
  tokens: TokenIds,
  mask: Mask,
  sampler_logprobs: z.array(z.number()),
  advantages: z.array(z.number()).optional(),
  rewards: z.array(z.number()).optional(),
  ref_logprobs: z.array(z.number()).nullable(),
  reward: z.number(),
  context: Context.optional(),
});

const PreferenceSide = z.strictObject({ tokens: TokenIds, mask: Mask, context: Context.optional() });

export const PreferenceRowSchema = z.strictObject({
  group: z.string(),
  chosen: PreferenceSide,
  rejected: PreferenceSide,
  ref_lp_chosen: z.number().nullable(),
  ref_lp_rejected: z.number().nullable(),
});

export const TrainRowSchema = z.union([SequenceRowSchema, PreferenceRowSchema]);

// Compile-time guard: the schema and the port's types must describe the same shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesPort: [
  Same<z.infer<typeof TrainJobSchema>, TrainJob>,
  Same<z.infer<typeof SequenceRowSchema>, SequenceRow>,
  Same<z.infer<typeof PreferenceRowSchema>, PreferenceRow>,
] = [true, true, true];
void schemaMatchesPort;

/** Token arrays of one row must line up; JSON Schema cannot say so, so both languages check it by hand. */
function checkRowLengths(row: TrainRow, field: string): void {
  if (!('tokens' in row)) {
    for (const side of ['chosen', 'rejected'] as const) {
      if (row[side].mask.length !== row[side].tokens.length) {
        throw new ValidationError(`mask has ${row[side].mask.length} entries, tokens ${row[side].tokens.length}`, `${field}.${side}.mask`);
      }
    }
    return;
  }
  const perToken = { mask: row.mask, sampler_logprobs: row.sampler_logprobs, advantages: row.advantages, rewards: row.rewards, ref_logprobs: row.ref_logprobs };
  for (const [name, values] of Object.entries(perToken)) {
    if (values && values.length !== row.tokens.length) {
      throw new ValidationError(`has ${values.length} entries, tokens ${row.tokens.length}`, `${field}.${name}`);
    }
  }
}

function firstIssue(error: z.ZodError, prefix: string): ValidationError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].join('.');
  return new ValidationError(issue?.message ?? 'invalid', path);
}

export function parseTrainJob(value: unknown): TrainJob {
  const parsed = TrainJobSchema.safeParse(value);
  if (!parsed.success) throw firstIssue(parsed.error, 'job');
  return parsed.data;
}

export function parseTrainRows(values: unknown[]): TrainRow[] {
  return values.map((value, index) => {
    const parsed = TrainRowSchema.safeParse(value);
    if (!parsed.success) throw firstIssue(parsed.error, `rows[${index}]`);
    checkRowLengths(parsed.data, `rows[${index}]`);
    return parsed.data;
  });
}

/** The batch file exactly as the worker reads it: one JSON row per line. */
export function encodeBatch(rows: TrainRow[]): string {
  return `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
}

/** JSON Schema documents keyed by the file name they have under gpu/schema/. */
export function trainerJsonSchemas(): Record<string, unknown> {
  return {
    'train-job.schema.json': { $id: 'sia.train-job/v1', ...z.toJSONSchema(TrainJobSchema) },
    'batch-row.schema.json': { $id: 'sia.train-row/v1', ...z.toJSONSchema(TrainRowSchema) },
  };
}

export function renderJsonSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Regenerates gpu/schema/*.json (run: node bin/run-ts.js gpu/write-schemas.ts). */
export function writeTrainerJsonSchemas(directory: string): string[] {
  return Object.entries(trainerJsonSchemas()).map(([name, schema]) => {
    const path = join(directory, name);
    writeFileSync(path, renderJsonSchema(schema));
    return path;
  });
}

export const AdapterManifestSchema = z.object({
  adapter_id: z.string().min(1),
  job_id: z.string().nullable(),
  parent_adapter: z.string().nullable(),
  base_model: z.string(),
  base_revision: z.string().nullable(),
  algorithm: z.string(),
  steps: z.number().int().nonnegative(),
  files: z.record(z.string(), Sha256Hex),
});

/** What the worker returns (result.json locally, the Modal function's return value remotely). */
export const WorkerResultSchema = z.object({
  adapter_dir: z.string().min(1),
  manifest: AdapterManifestSchema,
  metrics: z.record(z.string(), z.number()),
  backend: z.enum(['torch', 'toy']),
  /** sha256 of manifest.json's bytes (absent from workers deployed before it was added). */
  manifest_sha256: Sha256Hex.optional(),
  /** The worker's hyperparameter profile (gpu/sia_worker/profiles.py) and the settings that actually trained. */
  profile: z.string().optional(),
  hyperparams: z.record(z.string(), z.unknown()).optional(),
  hyperparams_overrides: z.record(z.string(), z.number()).optional(),
});
export type WorkerResult = z.infer<typeof WorkerResultSchema>;

export function parseWorkerResult(value: unknown, source: string): WorkerResult {
  const parsed = WorkerResultSchema.safeParse(value);
  if (!parsed.success) throw firstIssue(parsed.error, source);
  return parsed.data;
}
