/**
 * The Modal trainer: spawns the deployed `sia-trainer`/`train` function (gpu/modal_app.py) with the job and the
 * batch bytes, and polls the function call. The handle is Modal's function call id, so a restarted sia resumes
 * with `functionCalls.fromId(handle)`. Adapters land on the Modal Volume under `volumeMount`, where the vLLM
 * server that mounts the same Volume loads them.
 */
import { IllegalStateError, PluginError, ValidationError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { Trainer, TrainerStatus, TrainJob, TrainRow } from '../../core/ports/trainer.ts';
import { encodeBatch, parseTrainJob, parseTrainRows, parseWorkerResult } from './job-schema.ts';

/** Exactly the Modal JS SDK (npm `modal` ≥ 1.2) calls this trainer uses, so tests can supply an in-memory fake. */
export interface ModalFunctionCallLike {
  readonly functionCallId: string;
  /** Resolves with the function's return value; rejects with an error named `FunctionTimeoutError` while running. */
  get(params?: { timeoutMs?: number }): Promise<unknown>;
}

export interface ModalFunctionLike {
  spawn(args?: unknown[], kwargs?: Record<string, unknown>): Promise<ModalFunctionCallLike>;
}

export interface ModalClientLike {
  functions: { fromName(appName: string, name: string, params?: { environment?: string }): Promise<ModalFunctionLike> };
  functionCalls: { fromId(functionCallId: string): Promise<ModalFunctionCallLike> };
}

export interface ModalTrainerOptions {
  /** Defaults to the real SDK, loaded on first use. */
  client?: ModalClientLike;
  appName?: string;
  functionName?: string;
  environment?: string;
  /** Where the function mounts the Volume; job paths must live under it. */
  volumeMount?: string;
  /** How long one poll waits for the result before reporting `running`. */
  pollWaitMs?: number;
  backend?: 'torch' | 'toy';
  tinyRandom?: boolean;
}

export const MODAL_SDK_VERSION = '1.2.0';

export function createModalTrainer(options: ModalTrainerOptions = {}): Trainer {
  const mount = (options.volumeMount ?? '/vol').replace(/\/$/, '');
  let client: Promise<ModalClientLike> | null = options.client ? Promise.resolve(options.client) : null;
  const getClient = () => (client ??= loadModalClient());

  const onVolume = (path: string, field: string): string => {
    if (!path.startsWith('/')) return `${mount}/${path}`;
    if (path.startsWith(`${mount}/`)) return path;
    throw new ValidationError(`${path} is not on the Modal Volume mounted at ${mount}`, field);
  };

  return {
    id: 'modal',
    async submit(job: TrainJob, rows: TrainRow[]) {
      const spec = parseTrainJob(job);
      const batch = new TextEncoder().encode(encodeBatch(parseTrainRows(rows)));
      const remoteJob: TrainJob = {
        ...spec,
        adapter_in: spec.adapter_in === null ? null : onVolume(spec.adapter_in, 'job.adapter_in'),
        adapter_out: onVolume(spec.adapter_out, 'job.adapter_out'),
        data: { uri: `${mount}/batches/${spec.job_id}.jsonl`, sha256: sha256Hex(batch), n_rows: rows.length },
      };
      const modal = await getClient();
      const train = await modal.functions
        .fromName(options.appName ?? 'sia-trainer', options.functionName ?? 'train', { environment: options.environment })
        .catch((cause: unknown) => {
          throw new PluginError('modal', `cannot find the deployed function: ${messageOf(cause)}`, {
            hint: 'deploy it with `modal deploy gpu/modal_app.py` (Modal Python SDK >= 1.2)',
            cause,
          });
        });
      const call = await train.spawn([remoteJob, batch, { backend: options.backend ?? 'torch', tiny_random: options.tinyRandom ?? false }]);
      return { handle: call.functionCallId };
    },
    async poll(handle: string): Promise<TrainerStatus> {
      const modal = await getClient();
      const call = await modal.functionCalls.fromId(handle);
      let result: unknown;
      try {
        result = await call.get({ timeoutMs: options.pollWaitMs ?? 1000 });
      } catch (error) {
        if (error instanceof Error && error.name === 'FunctionTimeoutError') return { state: 'running', step: 0, totalSteps: null, metrics: {} };
        return { state: 'failed', error: messageOf(error) };
      }
      const parsed = parseWorkerResult(result, `modal call ${handle}`);
      return { state: 'completed', adapterDir: parsed.adapter_dir, manifest: parsed.manifest, metrics: parsed.metrics, manifestSha256: parsed.manifest_sha256 };
    },
  };
}

/** The real SDK, imported only when a Modal trainer is used without a client (it needs Node ≥ 22). */
async function loadModalClient(): Promise<ModalClientLike> {
  const hint = `install modal@${MODAL_SDK_VERSION} on Node >= 22 (npm install modal@${MODAL_SDK_VERSION}), set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET, and deploy gpu/modal_app.py`;
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) throw new IllegalStateError(`the Modal JS SDK needs Node >= 22, this is Node ${process.versions.node}`, { hint });
  const moduleName = 'modal'; // a variable, so the type checker does not require the optional package
  try {
    const sdk = (await import(moduleName)) as { ModalClient?: new () => ModalClientLike };
    if (!sdk.ModalClient) throw new Error('the installed `modal` package has no ModalClient export (an unrelated package?)');
    return new sdk.ModalClient();
  } catch (cause) {
    throw new PluginError('modal', `cannot load the Modal JS SDK: ${messageOf(cause)}`, { hint, cause });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
