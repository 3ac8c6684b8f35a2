/**
 * An in-memory stand-in for Modal that speaks ModalClientLike and throws the SDK's own error classes. A "deployed" function call runs the very body of
 * gpu/modal_app.py's `train` (`python3 -m sia_worker remote`) as a child process against a folder that plays the
 * Volume, so the fake trains real adapters. Several clients can share one cloud, as sia processes share Modal.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, RemoteError, TimeoutError } from 'modal';
import { GPU_DIR } from '../plugins/trainers/local.ts';
import type { ModalClientLike, ModalFunctionCallLike } from '../plugins/trainers/modal.ts';

interface CallState {
  started: Promise<void>;
  release: () => void;
  outcome: Promise<{ ok: true; value: unknown } | { ok: false; error: Error }>;
}

export class FakeModalCloud {
  readonly calls = new Map<string, CallState>();
  readonly spawnedArgs: unknown[][] = [];
  private counter = 0;

  /** `holdCalls`: calls wait for `release(id)` before they run, so a test can observe them running. */
  constructor(
    readonly volumeDir: string,
    readonly deployed = new Set(['sia-trainer/train']),
    readonly holdCalls = false,
  ) {}

  release(functionCallId: string): void {
    this.calls.get(functionCallId)?.release();
  }

  spawn(args: unknown[]): string {
    const [job, batch, options] = args as [{ job_id: string }, Uint8Array, { backend: string }];
    const id = `fc-${String(++this.counter).padStart(6, '0')}`;
    this.spawnedArgs.push(args);
    const scratch = join(this.volumeDir, '..', 'fake-modal-inputs', id);
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'job.json'), JSON.stringify(job));
    writeFileSync(join(scratch, 'batch.jsonl'), batch);
    let release = () => {};
    const started = this.holdCalls ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
    const command = [
      '-m',
      'sia_worker',
      'remote',
      '--job',
      join(scratch, 'job.json'),
      '--batch',
      join(scratch, 'batch.jsonl'),
      '--mount',
      '/vol',
      '--volume-dir',
      this.volumeDir,
      '--backend',
      options.backend,
    ];
    const outcome = started.then(
      () =>
        new Promise<{ ok: true; value: unknown } | { ok: false; error: Error }>((resolve) => {
          execFile('python3', command, { cwd: GPU_DIR }, (error, stdout, stderr) => {
            if (error) resolve({ ok: false, error: new RemoteError(`Remote error: ${stderr.trim().split('\n').pop() ?? error.message}`) });
            else resolve({ ok: true, value: JSON.parse(stdout) });
          });
        }),
    );
    this.calls.set(id, { started, release, outcome });
    return id;
  }

  client(): ModalClientLike {
    const call = (functionCallId: string): ModalFunctionCallLike => ({
      functionCallId,
      get: async ({ timeoutMs = 0 } = {}) => {
        const state = this.calls.get(functionCallId);
        if (!state) throw new NotFoundError(`function call ${functionCallId} not found`);
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
        const settled = await Promise.race([state.outcome, timeout]);
        if (settled === 'timeout') throw new TimeoutError(`Timeout exceeded: ${timeoutMs}ms`);
        if (!settled.ok) throw settled.error;
        return settled.value;
      },
    });
    return {
      functions: {
        fromName: async (appName, name) => {
          if (!this.deployed.has(`${appName}/${name}`)) throw new NotFoundError(`App ${appName} has no function ${name}`);
          return { spawn: async (args = []) => call(this.spawn(args)) };
        },
      },
      functionCalls: { fromId: async (functionCallId) => call(functionCallId) },
    };
  }
}
