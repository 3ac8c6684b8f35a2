/**
 * The Modal trainer's seam against the pinned SDK (npm `modal` 0.11.1), with no network: an in-memory
 * implementation of our port (ModalClientLike) throws the SDK's REAL error classes, so these tests pin what each
 * SDK outcome means to sia. One describe drives the SDK's own FunctionCall over an in-memory control plane,
 * because only the SDK can build the get() wait-timeout that also passes `instanceof FunctionTimeoutError`.
 */
import { readFileSync } from 'node:fs';
import {
  FunctionTimeoutError,
  InternalFailure,
  InvalidError,
  ModalClient,
  NotFoundError as ModalNotFoundError,
  RemoteError,
  ResourceExhaustedError,
  TimeoutError,
} from 'modal';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotFoundError, PluginError, type SiaError, ValidationError } from '../core/errors.ts';
import { createModalTrainer, MODAL_SDK_VERSION, type ModalClientLike, type ModalFunctionCallLike } from '../plugins/trainers/modal.ts';
import { sampleJob, sampleRows } from './gpu-fixtures.ts';

/** Our port in memory: each call id has a scripted `get()`; unknown ids are lost calls, as Modal reports them. */
class ScriptedModal implements ModalClientLike {
  readonly spawned: unknown[][] = [];
  readonly outcomes = new Map<string, () => unknown>();
  fromNameError: Error | null = null;
  spawnError: Error | null = null;
  fromIdError: Error | null = null;

  readonly functions = {
    fromName: async (appName: string, name: string) => {
      if (this.fromNameError) throw this.fromNameError;
      return {
        spawn: async (args: unknown[] = []) => {
          if (this.spawnError) throw this.spawnError;
          this.spawned.push([appName, name, ...args]);
          return this.call(`fc-${this.spawned.length}`);
        },
      };
    },
  };

  readonly functionCalls = {
    fromId: async (functionCallId: string) => {
      if (this.fromIdError) throw this.fromIdError;
      if (!this.outcomes.has(functionCallId)) throw new ModalNotFoundError(`FunctionCall ${functionCallId} not found`);
      return this.call(functionCallId);
    },
  };

  private call(functionCallId: string): ModalFunctionCallLike {
    return { functionCallId, get: async () => this.outcomes.get(functionCallId)!() };
  }
}

function trainerWith(outcome: () => unknown) {
  const modal = new ScriptedModal();
  modal.outcomes.set('fc-1', outcome);
  return { modal, trainer: createModalTrainer({ client: modal, pollWaitMs: 5 }) };
}

const workerResult = {
  adapter_dir: '/vol/adapters/policy-v0001',
  manifest: {
    adapter_id: 'policy-v0001',
    job_id: 'j-000001',
    parent_adapter: null,
    base_model: 'toy/bigram',
    base_revision: null,
    algorithm: 'grpo',
    steps: 2,
    files: { 'adapter_model.safetensors': 'a'.repeat(64) },
  },
  metrics: { loss: 0.25 },
  backend: 'toy',
  manifest_sha256: 'b'.repeat(64),
};

describe('the pinned Modal JS SDK', () => {
  it('loads on this Node and exports every name the trainer uses', async () => {
    const sdk = await import('modal');
    for (const name of [
      'ModalClient',
      'TimeoutError',
      'FunctionTimeoutError',
      'RemoteError',
      'InternalFailure',
      'NotFoundError',
      'InvalidError',
      'ResourceExhaustedError',
    ] as const) {
      expect(typeof sdk[name], name).toBe('function');
    }
    const installed = JSON.parse(readFileSync(new URL('../node_modules/modal/package.json', import.meta.url), 'utf8')) as {
      version: string;
      description: string;
    };
    expect(installed).toMatchObject({ version: MODAL_SDK_VERSION, description: 'Modal SDK for JavaScript/TypeScript' });
    const ours = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(ours.dependencies.modal).toBe(MODAL_SDK_VERSION); // exact: `latest` is an unrelated package
  });
});

describe('modal trainer poll: SDK outcomes (real SDK errors through an in-memory port)', () => {
  it('TimeoutError from get() means the call is still running', async () => {
    const { trainer } = trainerWith(() => Promise.reject(new TimeoutError('Timeout exceeded: 5ms')));
    expect(await trainer.poll('fc-1')).toEqual({ state: 'running', step: 0, totalSteps: null, metrics: {} });
  });

  it('FunctionTimeoutError means the function ran past its own execution timeout: failed, saying so', async () => {
    const { trainer } = trainerWith(() => Promise.reject(new FunctionTimeoutError('Timeout: function exceeded 21600s')));
    const status = await trainer.poll('fc-1');
    expect(status).toEqual({ state: 'failed', error: expect.stringContaining("ran past the train function's own execution timeout") });
    expect(status).toMatchObject({ error: expect.stringMatching(/fc-1.*gpu\/modal_app\.py.*exceeded 21600s/) });
  });

  it('a successful call is decoded into a completed status with the manifest hash', async () => {
    const { trainer } = trainerWith(() => structuredClone(workerResult));
    expect(await trainer.poll('fc-1')).toEqual({
      state: 'completed',
      adapterDir: '/vol/adapters/policy-v0001',
      manifest: workerResult.manifest,
      metrics: { loss: 0.25 },
      manifestSha256: 'b'.repeat(64),
    });
  });

  it('a result that is not a worker result is refused, naming the call', async () => {
    const { trainer } = trainerWith(() => ({ adapter_dir: '/vol/adapters/x' }));
    await expect(trainer.poll('fc-1')).rejects.toThrow(ValidationError);
    await expect(trainer.poll('fc-1')).rejects.toThrow(/modal call fc-1/);
  });

  it('a lost call (NotFoundError from fromId) is failed with a clear message, so a resumed sia resubmits', async () => {
    const { trainer } = trainerWith(() => workerResult);
    expect(await trainer.poll('fc-gone')).toEqual({
      state: 'failed',
      error: expect.stringMatching(/^Modal has no function call fc-gone: it expired.*FunctionCall fc-gone not found$/),
    });
  });

  it('a raw gRPC NOT_FOUND from fromId (0.11.1 does not wrap it) is a lost call too', async () => {
    const { modal, trainer } = trainerWith(() => workerResult);
    modal.fromIdError = Object.assign(new Error('/modal.client.ModalClient/FunctionCallFromId NOT_FOUND: no such call'), { name: 'ClientError', code: 5 });
    expect(await trainer.poll('fc-1')).toMatchObject({ state: 'failed', error: expect.stringMatching(/^Modal has no function call fc-1/) });
  });

  it('RemoteError (the worker raised) is failed with the remote message', async () => {
    const { trainer } = trainerWith(() => Promise.reject(new RemoteError('Remote error: FileNotFoundError: /vol/adapters/never-trained')));
    expect(await trainer.poll('fc-1')).toEqual({
      state: 'failed',
      error: 'the train function failed on Modal (call fc-1): Remote error: FileNotFoundError: /vol/adapters/never-trained',
    });
  });

  it('InternalFailure is failed and blames Modal, not the job', async () => {
    const { trainer } = trainerWith(() => Promise.reject(new InternalFailure('Internal failure: worker preempted')));
    expect(await trainer.poll('fc-1')).toMatchObject({ state: 'failed', error: expect.stringMatching(/internal failure.*Modal's fault.*worker preempted/) });
  });

  it.each([
    ['InvalidError', () => new InvalidError('bad request'), ValidationError, 'input'],
    ['ResourceExhaustedError', () => new ResourceExhaustedError('rate limited'), PluginError, 'plugin'],
    ['a plain network error', () => new Error('ECONNRESET'), PluginError, 'plugin'],
  ] as const)('%s while polling is thrown as a sia error (the call may still be training), never reported failed', async (_name, make, errorClass, fault) => {
    const error = make();
    const { trainer } = trainerWith(() => Promise.reject(error));
    const thrown = await trainer.poll('fc-1').then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(thrown).toBeInstanceOf(errorClass);
    expect(thrown).toMatchObject({ fault, cause: error, message: expect.stringContaining(`cannot poll Modal function call fc-1: ${error.message}`) });
    expect((thrown as SiaError).hint).toEqual(expect.any(String));
  });
});

describe('modal trainer submit', () => {
  it('spawns the deployed function with the job on the Volume and returns the call id', async () => {
    const modal = new ScriptedModal();
    const { handle } = await createModalTrainer({ client: modal, backend: 'toy' }).submit(sampleJob(), sampleRows());
    expect(handle).toBe('fc-1');
    const [appName, name, job, batch, runOptions] = modal.spawned[0];
    expect([appName, name]).toEqual(['sia-trainer', 'train']);
    expect(job).toMatchObject({ adapter_out: '/vol/adapters/policy-v0001', data: { uri: '/vol/batches/j-000001.jsonl', n_rows: 2 } });
    expect(batch).toBeInstanceOf(Uint8Array);
    expect(runOptions).toEqual({ backend: 'toy', tiny_random: false });
  });

  it('an undeployed function (NotFoundError from fromName) is a sia NotFoundError with the deploy command', async () => {
    const modal = new ScriptedModal();
    modal.fromNameError = new ModalNotFoundError("App 'sia-trainer' not found");
    const thrown = await createModalTrainer({ client: modal })
      .submit(sampleJob(), sampleRows())
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(thrown).toBeInstanceOf(NotFoundError);
    expect(thrown).toMatchObject({
      message: "cannot find the deployed function sia-trainer/train: App 'sia-trainer' not found",
      hint: expect.stringContaining('modal deploy gpu/modal_app.py'),
    });
  });

  it('a quota hit on spawn is a PluginError that says to wait or raise the limits', async () => {
    const modal = new ScriptedModal();
    modal.spawnError = new ResourceExhaustedError('GPU quota exceeded');
    const thrown = await createModalTrainer({ client: modal })
      .submit(sampleJob(), sampleRows())
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(thrown).toBeInstanceOf(PluginError);
    expect(thrown).toMatchObject({
      message: '[modal] cannot spawn sia-trainer/train for job j-000001: GPU quota exceeded',
      hint: expect.stringMatching(/quota/),
    });
  });
});

/** A control plane in memory for the SDK's own FunctionCall (ModalClient's `cpClient`; no socket is opened). */
function sdkClientWithOutputs(outputs: () => unknown[]): ModalClient {
  const controlPlane = {
    functionCallFromId: async () => ({ metadata: { appId: 'ap-1', functionId: 'fu-1' } }),
    functionGetOutputs: async ({ timeout }: { timeout: number }) => {
      await new Promise((resolve) => setTimeout(resolve, timeout * 1000));
      return { outputs: outputs() };
    },
  };
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  return new ModalClient({ tokenId: 'ak-test', tokenSecret: 'as-test', logger: silent, cpClient: controlPlane as unknown as ModalClient['cpClient'] });
}

describe("modal trainer poll: the SDK's own FunctionCall.get() over an in-memory control plane", () => {
  it("get()'s wait timeout, which also matches `instanceof FunctionTimeoutError`, is reported running", async () => {
    const client = sdkClientWithOutputs(() => []);
    const waitTimeout = await (await client.functionCalls.fromId('fc-1')).get({ timeoutMs: 5 }).catch((error: unknown) => error);
    expect(waitTimeout).toBeInstanceOf(TimeoutError);
    expect(waitTimeout).toBeInstanceOf(FunctionTimeoutError); // the deprecated compatibility match a naive check trips on
    expect(await createModalTrainer({ client, pollWaitMs: 5 }).poll('fc-1')).toEqual({ state: 'running', step: 0, totalSteps: null, metrics: {} });
    client.close();
  });

  it("an output with Modal's TIMEOUT status is the function's own timeout: failed", async () => {
    const client = sdkClientWithOutputs(() => [{ result: { status: 4, exception: 'Function exceeded 21600s' }, dataFormat: 4 }]);
    expect(await createModalTrainer({ client, pollWaitMs: 5 }).poll('fc-1')).toEqual({
      state: 'failed',
      error: expect.stringMatching(/own execution timeout.*Function exceeded 21600s/),
    });
    client.close();
  });
});

describe('modal trainer with the real SDK and no credentials', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('refuses before anything reaches Modal, saying which credentials to set', async () => {
    // A profile name that no ~/.modal.toml has, and empty variables: the SDK then has no credentials at all.
    vi.stubEnv('MODAL_PROFILE', 'sia-test-no-such-profile');
    for (const name of [
      'MODAL_TOKEN_ID',
      'MODAL_TOKEN_SECRET',
      'MODAL_OAUTH_REFRESH_TOKEN',
      'MODAL_OAUTH_CLIENT_ID',
      'MODAL_OAUTH_CLIENT_SECRET',
      'MODAL_OAUTH_JWT_KEY',
    ])
      vi.stubEnv(name, '');
    const thrown = await createModalTrainer()
      .poll('fc-1')
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(thrown).toBeInstanceOf(PluginError);
    expect(thrown).toMatchObject({
      message: expect.stringMatching(/^\[modal\] no Modal credentials/),
      hint: expect.stringContaining('MODAL_TOKEN_ID and MODAL_TOKEN_SECRET'),
    });
  });
});
