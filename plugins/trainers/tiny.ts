/**
 * The in-process trainer: trains the tiny policy's LoRA adapter from TrainRows with the job's loss and AdamW
 * settings, and writes the adapter in the PEFT layout at `adapter_out`. The handle encodes job id and adapter_out,
 * so after a restart of sia `poll` still finds a finished adapter on disk.
 */

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IntegrityError, ValidationError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { AdapterManifest, Trainer, TrainerStatus, TrainJob, TrainRow } from '../../core/ports/trainer.ts';
import { createAdamState } from '../../core/tiny/adam.ts';
import { createAdapter, resolveTargets, type TinyAdapter } from '../../core/tiny/adapter.ts';
import { prepareMemory } from '../../core/tiny/memory-training.ts';
import { createBaseWeights, DEFAULT_TINY_CONFIG, TINY_BASE_MODEL, type TinyModelConfig, tinyBaseRevision } from '../../core/tiny/model.ts';
import { deriveSeed, seededRandom, shuffled } from '../../core/tiny/random.ts';
import { type PreparedRow, prepareRows, trainStep } from '../../core/tiny/training.ts';
import { MANIFEST_FILE, METRICS_FILE, readTinyAdapter, verifyAdapterDir, writeTinyAdapter } from './adapter-files.ts';
import { encodeBatch, parseTrainJob, parseTrainRows } from './job-schema.ts';

export interface TrainingProgress {
  handle: string;
  jobId: string;
  step: number;
  totalSteps: number;
  metrics: Record<string, number>;
}

export interface TinyTrainerOptions {
  model?: Partial<TinyModelConfig>;
  /** Called after every optimizer step (the loop turns it into training.progressed). */
  onProgress?: (progress: TrainingProgress) => void;
}

const HANDLE_PREFIX = 'tiny:';
const encodeHandle = (job: TrainJob): string =>
  HANDLE_PREFIX + Buffer.from(JSON.stringify({ job_id: job.job_id, adapter_out: job.adapter_out })).toString('base64url');

function decodeHandle(handle: string): { job_id: string; adapter_out: string } {
  try {
    if (!handle.startsWith(HANDLE_PREFIX)) throw new Error('wrong prefix');
    const decoded = JSON.parse(Buffer.from(handle.slice(HANDLE_PREFIX.length), 'base64url').toString('utf8'));
    if (typeof decoded.job_id === 'string' && typeof decoded.adapter_out === 'string') return decoded;
  } catch {
    // falls through to the error below
  }
  throw new ValidationError('is not a handle of the tiny trainer', 'handle');
}

/** The loss curve in a few numbers: what training.completed records. */
export function summarizeMetrics(lines: Array<Record<string, number>>): Record<string, number> {
  const losses = lines.map((line) => line.loss);
  const last = lines[lines.length - 1];
  if (!last) return { steps: 0 };
  return {
    steps: lines.length,
    loss_first: losses[0],
    loss_last: last.loss,
    loss_min: Math.min(...losses),
    loss_mean: losses.reduce((sum, loss) => sum + loss, 0) / losses.length,
    grad_norm_last: last.grad_norm,
    rows_per_second: last.rows_per_second,
  };
}

/** `batchHash` is of the rows as the caller built them: zod's parse reorders keys, which changes encodeBatch's bytes. */
function checkJob(job: TrainJob, rows: TrainRow[], batchHash: string, config: TinyModelConfig): void {
  if (job.base_model !== TINY_BASE_MODEL) throw new ValidationError(`the tiny trainer trains ${TINY_BASE_MODEL}, not ${job.base_model}`, 'job.base_model');
  const revision = tinyBaseRevision(config);
  if (job.base_revision !== null && job.base_revision !== revision)
    throw new ValidationError(`is ${job.base_revision}; this trainer's base weights are ${revision}`, 'job.base_revision');
  if (job.lora.dropout !== 0) throw new ValidationError('the tiny trainer implements no LoRA dropout; use 0', 'job.lora.dropout');
  if (job.lora.target_parameters.length > 0) throw new ValidationError('the tiny policy has no expert parameters to target', 'job.lora.target_parameters');
  if (rows.length === 0) throw new ValidationError('needs at least one row', 'rows');
  if (job.data.n_rows !== rows.length) throw new ValidationError(`says ${job.data.n_rows} rows, ${rows.length} were given`, 'job.data.n_rows');
  if (batchHash !== job.data.sha256)
    throw new IntegrityError(`job ${job.job_id}: rows hash to ${batchHash} (encodeBatch), job.data.sha256 says ${job.data.sha256}`);
}

function startingAdapter(job: TrainJob, config: TinyModelConfig): { adapter: TinyAdapter; parent: string | null } {
  if (job.adapter_in === null) {
    const targets = resolveTargets(job.lora.target_modules);
    return {
      adapter: createAdapter(config, { rank: job.lora.rank, alpha: job.lora.alpha, targets, seed: deriveSeed(job.optim.seed, 'lora-init') }),
      parent: null,
    };
  }
  const loaded = readTinyAdapter(job.adapter_in, config);
  if (loaded.rank !== job.lora.rank || loaded.adapter.alpha !== job.lora.alpha) {
    throw new ValidationError(
      `adapter_in has r=${loaded.rank}, alpha=${loaded.adapter.alpha}; the job asks r=${job.lora.rank}, alpha=${job.lora.alpha}`,
      'job.lora',
    );
  }
  return { adapter: loaded.adapter, parent: loaded.manifest.adapter_id };
}

/** Equal-sized minibatches (the first ones one row larger when it does not divide). */
function minibatchesOf(rows: PreparedRow[], count: number): PreparedRow[][] {
  const batches = Math.min(count, rows.length);
  return Array.from({ length: batches }, (_, b) => rows.slice(Math.floor((b * rows.length) / batches), Math.floor(((b + 1) * rows.length) / batches)));
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function createTinyTrainer(options: TinyTrainerOptions = {}): Trainer {
  const config: TinyModelConfig = { ...DEFAULT_TINY_CONFIG, ...options.model };
  const base = createBaseWeights(config);
  const jobs = new Map<string, TrainerStatus>();

  async function run(handle: string, job: TrainJob, prepared: PreparedRow[], adapter: TinyAdapter, parent: string | null): Promise<void> {
    await yieldToEventLoop(); // submit returns before the first step runs
    prepareMemory(base, adapter, prepared);
    const adam = createAdamState(adapter);
    const random = seededRandom(deriveSeed(job.optim.seed, 'minibatches'));
    const totalSteps = job.optim.epochs * Math.min(job.optim.minibatches, prepared.length);
    const lines: Array<Record<string, number>> = [];
    const started = performance.now();
    let rowsSeen = 0;
    for (let epoch = 0; epoch < job.optim.epochs; epoch++) {
      for (const batch of minibatchesOf(shuffled(prepared, random), job.optim.minibatches)) {
        const result = trainStep(base, adapter, adam, job.loss, job.optim, batch);
        rowsSeen += batch.length;
        const metrics = { step: lines.length + 1, epoch, ...result.metrics, rows_per_second: rowsSeen / ((performance.now() - started) / 1000) };
        lines.push(metrics);
        jobs.set(handle, { state: 'running', step: lines.length, totalSteps, metrics });
        options.onProgress?.({ handle, jobId: job.job_id, step: lines.length, totalSteps, metrics });
        await yieldToEventLoop();
      }
    }
    const manifest = writeTinyAdapter(job.adapter_out, {
      adapter,
      modelConfig: config,
      rank: job.lora.rank,
      manifest: { adapter_id: basename(job.adapter_out), job_id: job.job_id, parent_adapter: parent, algorithm: job.loss.kind, steps: lines.length },
      metrics: lines,
    });
    jobs.set(handle, { state: 'completed', adapterDir: job.adapter_out, manifest, metrics: summarizeMetrics(lines) });
  }

  /** After a restart the job map is empty: a finished adapter on disk is still a completed job. */
  function recover(handle: string): TrainerStatus {
    const { job_id, adapter_out } = decodeHandle(handle);
    if (!existsSync(join(adapter_out, MANIFEST_FILE)))
      return { state: 'failed', error: `job ${job_id} is not running in this process and left no adapter at ${adapter_out}; resubmit it` };
    const manifest: AdapterManifest = verifyAdapterDir(adapter_out);
    if (manifest.job_id !== job_id) return { state: 'failed', error: `${adapter_out} holds the adapter of job ${manifest.job_id}, not ${job_id}` };
    const metricsPath = join(adapter_out, METRICS_FILE);
    const lines = existsSync(metricsPath)
      ? readFileSync(metricsPath, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
    return { state: 'completed', adapterDir: adapter_out, manifest, metrics: summarizeMetrics(lines) };
  }

  return {
    id: 'tiny',
    async submit(rawJob, rawRows) {
      const job = parseTrainJob(rawJob);
      const handle = encodeHandle(job);
      // The job id is an idempotency key: a job running or done (here, or on disk from before a restart) keeps its
      // handle; a failed one runs again.
      const earlier = jobs.get(handle) ?? recover(handle);
      if (earlier.state !== 'failed') return { handle };
      const rows = parseTrainRows(rawRows);
      checkJob(job, rows, sha256Hex(encodeBatch(rawRows)), config);
      const prepared = prepareRows(config, rows, job.loss.kind);
      const { adapter, parent } = startingAdapter(job, config);
      jobs.set(handle, { state: 'running', step: 0, totalSteps: null, metrics: {} });
      run(handle, job, prepared, adapter, parent).catch((error: unknown) => {
        jobs.set(handle, { state: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      });
      return { handle };
    },
    async poll(handle) {
      return jobs.get(handle) ?? recover(handle);
    },
  };
}
