/**
 * The local GPU-box trainer: runs the gpu/ worker (`python3 -m sia_worker train`) as a detached child process
 * in a job folder. The handle is that folder, and every state lives in files there (job.json, batch.jsonl,
 * worker.pid, worker.log, result.json | error.json; progress in <adapter_out>/metrics.jsonl), so a restarted
 * sia resumes by polling the same handle.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '../../core/hashing.ts';
import type { Trainer, TrainerStatus, TrainJob, TrainRow } from '../../core/ports/trainer.ts';
import { verifyAdapterDir } from './adapter-files.ts';
import { encodeBatch, parseTrainJob, parseTrainRows, parseWorkerResult } from './job-schema.ts';

export const GPU_DIR = fileURLToPath(new URL('../../gpu/', import.meta.url));

export interface LocalTrainerOptions {
  /** Parent of the job folders; relative adapter paths in jobs resolve against it too. */
  workDir: string;
  python?: string;
  /** `torch` (default) trains the real model; `toy` is the numpy table policy for CPU machines. */
  backend?: 'torch' | 'toy';
  /** torch backend on a small random model (GPU smoke tests, no download). */
  tinyRandom?: boolean;
  env?: Record<string, string>;
}

export function createLocalTrainer(options: LocalTrainerOptions): Trainer {
  const workDir = resolve(options.workDir);
  return {
    id: 'local',
    async submit(job: TrainJob, rows: TrainRow[]) {
      const spec = parseTrainJob(job);
      const batch = encodeBatch(parseTrainRows(rows));
      const jobDir = join(workDir, 'jobs', spec.job_id);
      // The job id is an idempotency key: a job running or done keeps its handle; a failed attempt is set aside.
      if (existsSync(join(jobDir, 'job.json'))) {
        if (readJobStatus(jobDir).state !== 'failed') return { handle: jobDir };
        renameSync(jobDir, `${jobDir}.failed-${Date.now()}`);
      }
      mkdirSync(jobDir, { recursive: true });
      writeFileSync(join(jobDir, 'batch.jsonl'), batch);
      const inWorkDir = (path: string) => (isAbsolute(path) ? path : join(workDir, path));
      const localJob: TrainJob = {
        ...spec,
        adapter_in: spec.adapter_in === null ? null : inWorkDir(spec.adapter_in),
        adapter_out: inWorkDir(spec.adapter_out),
        data: { uri: 'batch.jsonl', sha256: sha256Hex(batch), n_rows: rows.length },
      };
      writeFileSync(join(jobDir, 'job.json'), JSON.stringify(localJob, null, 2));
      startWorker(jobDir, options);
      return { handle: jobDir };
    },
    poll: async (handle: string) => readJobStatus(handle),
  };
}

function startWorker(jobDir: string, options: LocalTrainerOptions): void {
  const args = ['-m', 'sia_worker', 'train', '--job', join(jobDir, 'job.json'), '--backend', options.backend ?? 'torch'];
  if (options.tinyRandom) args.push('--tiny-random');
  const python = options.python ?? 'python3';
  const log = openSync(join(jobDir, 'worker.log'), 'a');
  // Detached with its output in a file: the worker outlives a restart of sia, which then reads its files.
  const child = spawn(python, args, {
    cwd: GPU_DIR,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
  });
  closeSync(log);
  const recordStartFailure = (reason: string) => writeFileSync(join(jobDir, 'error.json'), JSON.stringify({ error: `could not start ${python}: ${reason}` }));
  // A missing executable leaves pid undefined at once; the 'error' event with the reason comes a tick later.
  child.on('error', (error) => recordStartFailure(error.message));
  if (child.pid === undefined) recordStartFailure('no process was created');
  else writeFileSync(join(jobDir, 'worker.pid'), String(child.pid));
  child.unref();
}

/** The job's state from its folder alone (no in-memory state, so any sia process can poll any handle). */
export function readJobStatus(jobDir: string): TrainerStatus {
  // Lost (or never submitted here): failed, so the loop resubmits the job from the log.
  if (!existsSync(join(jobDir, 'job.json'))) return { state: 'failed', error: `no local training job at ${jobDir}` };
  const outcome = readOutcome(jobDir);
  if (outcome) return outcome;
  if (workerAlive(jobDir)) return runningStatus(jobDir);
  // The worker may have written its result between the first look and the liveness check.
  return readOutcome(jobDir) ?? { state: 'failed', error: `worker exited without a result; last log lines:\n${logTail(jobDir)}` };
}

function readOutcome(jobDir: string): TrainerStatus | null {
  const resultPath = join(jobDir, 'result.json');
  if (existsSync(resultPath)) {
    const result = parseWorkerResult(JSON.parse(readFileSync(resultPath, 'utf8')), resultPath);
    // An adapter whose bytes differ from its manifest must never reach a server.
    const manifest = verifyAdapterDir(result.adapter_dir);
    return { state: 'completed', adapterDir: result.adapter_dir, manifest, metrics: result.metrics };
  }
  const errorPath = join(jobDir, 'error.json');
  if (existsSync(errorPath)) return { state: 'failed', error: (JSON.parse(readFileSync(errorPath, 'utf8')) as { error: string }).error };
  return null;
}

function workerAlive(jobDir: string): boolean {
  const pidPath = join(jobDir, 'worker.pid');
  if (!existsSync(pidPath)) return false;
  try {
    process.kill(Number(readFileSync(pidPath, 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

function runningStatus(jobDir: string): TrainerStatus {
  const job = JSON.parse(readFileSync(join(jobDir, 'job.json'), 'utf8')) as TrainJob;
  const metricsPath = join(job.adapter_out, 'metrics.jsonl');
  const lines = existsSync(metricsPath) ? readFileSync(metricsPath, 'utf8').trim().split('\n').filter(Boolean) : [];
  const last = lines.length ? (JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) : {};
  const metrics = Object.fromEntries(Object.entries(last).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  const totalSteps = typeof last.total_steps === 'number' ? last.total_steps : null;
  return { state: 'running', step: lines.length, totalSteps, metrics };
}

function logTail(jobDir: string): string {
  const logPath = join(jobDir, 'worker.log');
  return existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-12).join('\n') : '(no worker.log)';
}
