/**
 * The Modal trainer: spawns the deployed `sia-trainer`/`train` function (gpu/modal_app.py) with the job and the
 * batch bytes, and polls the function call. The handle is Modal's function call id, so a restarted sia resumes
 * with `functionCalls.fromId(handle)`. Adapters land on the Modal Volume under `volumeMount`, where the vLLM
 * server that mounts the same Volume loads them.
 *
 * The SDK is npm `modal` pinned at exactly 0.11.1 ("Modal SDK for JavaScript/TypeScript"); the registry's
 * `latest` tag of `modal` is an unrelated browser package. Modal documents Node 22; 0.11.1 loads on Node 20 too.
 */
import type { Function_, FunctionCall, ModalClient } from 'modal';
import { NotFoundError, PluginError, SiaError, ValidationError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { Trainer, TrainerStatus, TrainJob, TrainRow } from '../../core/ports/trainer.ts';
import { encodeBatch, parseTrainJob, parseTrainRows, parseWorkerResult } from './job-schema.ts';

/** The SDK module's shape, from its own .d.ts: a renamed or removed export fails `tsc`, not a run on Modal. */
type ModalSdk = typeof import('modal');

/**
 * The port: exactly the SDK calls this trainer makes, each typed from the SDK's own declarations, so tests can
 * supply an in-memory implementation and tsc still fails if a call we make does not exist in the pinned SDK.
 * (The SDK's classes carry #private fields, so a fake could never be assignable to them directly.)
 */
export interface ModalFunctionCallLike {
  readonly functionCallId: FunctionCall['functionCallId'];
  /** Resolves with the return value; throws TimeoutError while still running, FunctionTimeoutError past its limit. */
  get: FunctionCall['get'];
}

export interface ModalFunctionLike {
  spawn(...args: Parameters<Function_['spawn']>): Promise<ModalFunctionCallLike>;
}

export interface ModalClientLike {
  readonly functions: { fromName(...args: Parameters<ModalClient['functions']['fromName']>): Promise<ModalFunctionLike> };
  readonly functionCalls: { fromId(...args: Parameters<ModalClient['functionCalls']['fromId']>): Promise<ModalFunctionCallLike> };
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

export const MODAL_SDK_VERSION = '0.11.1';
const SETUP_HINT = `set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET (or run \`modal token new\`), and deploy gpu/modal_app.py; sia ships modal@${MODAL_SDK_VERSION}`;
const RUNNING: TrainerStatus = { state: 'running', step: 0, totalSteps: null, metrics: {} };

export function createModalTrainer(options: ModalTrainerOptions = {}): Trainer {
  const mount = (options.volumeMount ?? '/vol').replace(/\/$/, '');
  const appName = options.appName ?? 'sia-trainer';
  const functionName = options.functionName ?? 'train';
  let client: Promise<ModalClientLike> | null = options.client ? Promise.resolve(options.client) : null;
  const getClient = () => (client ??= loadModalClient());
  // The job id is an idempotency key within this process: a call running or done keeps its handle. Modal cannot
  // look calls up by job id, so across restarts the loop's recorded handle (training.submitted) plays this part.
  const calls = new Map<string, string>();

  const onVolume = (path: string, field: string): string => {
    if (!path.startsWith('/')) return `${mount}/${path}`;
    if (path.startsWith(`${mount}/`)) return path;
    throw new ValidationError(`${path} is not on the Modal Volume mounted at ${mount}`, field);
  };

  return {
    id: 'modal',
    async submit(job: TrainJob, rows: TrainRow[]) {
      const spec = parseTrainJob(job);
      const earlier = calls.get(spec.job_id);
      if (earlier && (await this.poll(earlier)).state !== 'failed') return { handle: earlier };
      const batch = new TextEncoder().encode(encodeBatch(parseTrainRows(rows)));
      const remoteJob: TrainJob = {
        ...spec,
        adapter_in: spec.adapter_in === null ? null : onVolume(spec.adapter_in, 'job.adapter_in'),
        adapter_out: onVolume(spec.adapter_out, 'job.adapter_out'),
        data: { uri: `${mount}/batches/${spec.job_id}.jsonl`, sha256: sha256Hex(batch), n_rows: rows.length },
      };
      const modal = await getClient();
      const train = await modal.functions.fromName(appName, functionName, { environment: options.environment }).catch(async (cause: unknown) => {
        throw sdkError(cause, await loadSdk(), `cannot find the deployed function ${appName}/${functionName}`);
      });
      const runOptions = { backend: options.backend ?? 'torch', tiny_random: options.tinyRandom ?? false };
      const call = await train.spawn([remoteJob, batch, runOptions]).catch(async (cause: unknown) => {
        throw sdkError(cause, await loadSdk(), `cannot spawn ${appName}/${functionName} for job ${spec.job_id}`);
      });
      calls.set(spec.job_id, call.functionCallId);
      return { handle: call.functionCallId };
    },
    async poll(handle: string): Promise<TrainerStatus> {
      const modal = await getClient();
      let result: unknown;
      try {
        const call = await modal.functionCalls.fromId(handle);
        result = await call.get({ timeoutMs: options.pollWaitMs ?? 1000 });
      } catch (error) {
        return pollOutcome(handle, error, await loadSdk());
      }
      const parsed = parseWorkerResult(result, `modal call ${handle}`);
      return { state: 'completed', adapterDir: parsed.adapter_dir, manifest: parsed.manifest, metrics: parsed.metrics, manifestSha256: parsed.manifest_sha256 };
    },
  };
}

/**
 * What an error from polling means. Terminal outcomes of the call become `failed` (the loop records them, and a
 * resumed sia resubmits a job whose call is gone); anything else is thrown, because the call may still be
 * training fine and a network or credentials problem must not fail a GPU job.
 */
function pollOutcome(handle: string, error: unknown, sdk: ModalSdk): TrainerStatus {
  const detail = messageOf(error);
  // TimeoutError first: in 0.11.1 get()'s wait timeout (a TimeoutError subclass) still passes
  // `instanceof FunctionTimeoutError` (deprecated compatibility), so the other order would fail running jobs.
  if (error instanceof sdk.TimeoutError) return RUNNING;
  if (error instanceof sdk.FunctionTimeoutError) {
    return failed(
      `Modal call ${handle} ran past the train function's own execution timeout (timeout= in gpu/modal_app.py); raise it or train on a smaller batch: ${detail}`,
    );
  }
  if (error instanceof sdk.RemoteError) return failed(`the train function failed on Modal (call ${handle}): ${detail}`);
  if (error instanceof sdk.InternalFailure)
    return failed(`Modal had an internal failure running call ${handle} (Modal's fault, not the job's; submitting again may succeed): ${detail}`);
  if (isNotFound(error, sdk)) {
    return failed(`Modal has no function call ${handle}: it expired, or MODAL_TOKEN_ID/environment point at another workspace: ${detail}`);
  }
  throw sdkError(error, sdk, `cannot poll Modal function call ${handle}`);
}

/** Maps an SDK error to sia's error tree, saying who is at fault and what to do; the SDK error stays the cause. */
function sdkError(error: unknown, sdk: ModalSdk, context: string): SiaError {
  if (error instanceof SiaError) return error;
  const message = `${context}: ${messageOf(error)}`;
  if (isNotFound(error, sdk)) {
    return new NotFoundError(message, {
      cause: error,
      hint: 'deploy it with `modal deploy gpu/modal_app.py` (Modal Python SDK >= 1.2) in the same workspace and environment as `modal.environment`',
    });
  }
  if (error instanceof sdk.InvalidError)
    return new ValidationError(message, 'modal', { cause: error, hint: 'check the `modal` section of the sia config and the MODAL_* variables' });
  if (error instanceof sdk.ResourceExhaustedError)
    return new PluginError('modal', message, { cause: error, hint: 'a Modal quota, capacity or rate limit was hit; wait, or raise the workspace limits' });
  if (error instanceof sdk.InternalFailure) return new PluginError('modal', message, { cause: error, hint: 'a retryable fault inside Modal; try again' });
  return new PluginError('modal', message, { cause: error, hint: SETUP_HINT });
}

/** 0.11.1 wraps NOT_FOUND into its NotFoundError for lookups by name, but `functionCalls.fromId` lets the raw gRPC error through. */
function isNotFound(error: unknown, sdk: ModalSdk): boolean {
  if (error instanceof sdk.NotFoundError) return true;
  const grpc = error as { name?: unknown; code?: unknown } | null;
  return grpc?.name === 'ClientError' && grpc.code === GRPC_NOT_FOUND;
}
const GRPC_NOT_FOUND = 5;

let sdkModule: Promise<ModalSdk> | null = null;
/** Imported on first use: the SDK (gRPC, protobufs) takes about a second to load, which no other trainer should pay. */
function loadSdk(): Promise<ModalSdk> {
  sdkModule ??= import('modal').catch((cause: unknown) => {
    sdkModule = null;
    throw new PluginError('modal', `cannot load the Modal JS SDK: ${messageOf(cause)}`, {
      hint: `reinstall sia's dependencies (npm ci); they pin modal@${MODAL_SDK_VERSION}`,
      cause,
    });
  });
  return sdkModule;
}

/** The real client. Refuses early without credentials, so nothing reaches Modal's servers unauthenticated. */
async function loadModalClient(): Promise<ModalClientLike> {
  const sdk = await loadSdk();
  let client: ModalClient;
  try {
    client = new sdk.ModalClient();
  } catch (cause) {
    throw sdkError(cause, sdk, 'cannot configure the Modal client');
  }
  const { tokenId, tokenSecret, oauthRefreshToken } = client.profile;
  if (!(tokenId && tokenSecret) && !oauthRefreshToken) {
    client.close();
    throw new PluginError('modal', 'no Modal credentials: MODAL_TOKEN_ID/MODAL_TOKEN_SECRET are unset and ~/.modal.toml has no active profile', {
      hint: SETUP_HINT,
    });
  }
  return client; // assignable to the port: the compile-time proof that the real SDK offers every call we make
}

function failed(error: string): TrainerStatus {
  return { state: 'failed', error };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
