/**
 * The Modal trainer against FakeModalCloud (tests/gpu-fake-modal.ts), whose calls run the Modal function's own
 * Python body on a folder standing in for the Volume; then the adapter is hot-loaded into a fake vLLM server.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { createVllmAdapterClient } from '../plugins/providers/vllm-adapters.ts';
import { createModalTrainer } from '../plugins/trainers/modal.ts';
import { FakeModalCloud } from './gpu-fake-modal.ts';
import { startFakeVllm } from './gpu-fake-vllm.ts';
import { pollUntilDone, sampleJob, sampleRows } from './gpu-fixtures.ts';

const pythonMissing = spawnSync('python3', ['-c', 'import numpy']).status !== 0;
if (pythonMissing) console.warn('[gpu-modal-trainer] SKIPPED: python3 with numpy is not available');

function newCloud(holdCalls = false) {
  return new FakeModalCloud(join(mkdtempSync(join(tmpdir(), 'sia-modal-')), 'vol'), undefined, holdCalls);
}

describe.skipIf(pythonMissing)('modal trainer (fake Modal running the real worker)', () => {
  it('spawns with the job and batch bytes, reports running, and a restarted sia resumes the call id', async () => {
    const cloud = newCloud(true);
    const trainer = createModalTrainer({ client: cloud.client(), backend: 'toy', pollWaitMs: 20 });
    const { handle } = await trainer.submit(sampleJob(), sampleRows());
    expect(handle).toMatch(/^fc-/);
    const [job, batch, options] = cloud.spawnedArgs[0] as [Record<string, any>, Uint8Array, Record<string, unknown>];
    expect(job).toMatchObject({ adapter_out: '/vol/adapters/policy-v0001', data: { uri: '/vol/batches/j-000001.jsonl', n_rows: 2 } });
    expect(batch).toBeInstanceOf(Uint8Array);
    expect(options).toEqual({ backend: 'toy', tiny_random: false });
    expect(await trainer.poll(handle)).toEqual({ state: 'running', step: 0, totalSteps: null, metrics: {} });

    // sia restarts: a new client and trainer know nothing but the handle stored in training.submitted.
    cloud.release(handle);
    const restarted = createModalTrainer({ client: cloud.client(), backend: 'toy', pollWaitMs: 50 });
    const status = await pollUntilDone(restarted, handle);
    if (status.state !== 'completed') throw new Error(JSON.stringify(status));
    expect(status.adapterDir).toBe('/vol/adapters/policy-v0001');
    expect(status.manifest).toMatchObject({ adapter_id: 'policy-v0001', steps: 2, job_id: 'j-000001' });
    expect(existsSync(join(cloud.volumeDir, 'adapters/policy-v0001/adapter_model.safetensors'))).toBe(true);
    expect(existsSync(join(cloud.volumeDir, 'batches/j-000001.jsonl'))).toBe(true);

    // The serving side mounts the same Volume; here the fake vLLM sees the fake Volume folder.
    const vllm = await startFakeVllm();
    try {
      const served = createVllmAdapterClient({ baseUrl: vllm.url });
      await served.load('policy-v0001', status.adapterDir.replace('/vol', cloud.volumeDir));
      expect((await served.listModels()).map((m) => m.id)).toContain('policy-v0001');
    } finally {
      await vllm.close();
    }
  });

  it('chains a second job from the first adapter on the Volume', async () => {
    const cloud = newCloud();
    const trainer = createModalTrainer({ client: cloud.client(), backend: 'toy', pollWaitMs: 50 });
    expect((await pollUntilDone(trainer, (await trainer.submit(sampleJob(), sampleRows())).handle)).state).toBe('completed');
    const second = sampleJob({ job_id: 'j-000002', adapter_in: 'adapters/policy-v0001', adapter_out: '/vol/adapters/policy-v0002' });
    const status = await pollUntilDone(trainer, (await trainer.submit(second, sampleRows())).handle);
    expect(status).toMatchObject({ state: 'completed', manifest: { parent_adapter: 'policy-v0001', adapter_id: 'policy-v0002' } });
  });

  it('maps a remote failure to failed, and refuses paths off the Volume and undeployed apps', async () => {
    const cloud = newCloud();
    const trainer = createModalTrainer({ client: cloud.client(), backend: 'toy', pollWaitMs: 50 });
    const missingParent = sampleJob({ job_id: 'j-bad', adapter_in: '/vol/adapters/never-trained' });
    const failed = await pollUntilDone(trainer, (await trainer.submit(missingParent, sampleRows())).handle);
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(/^the train function failed on Modal .*never-trained/) });
    await expect(trainer.submit(sampleJob({ adapter_out: '/tmp/elsewhere' }), sampleRows())).rejects.toThrow(ValidationError);
    const undeployed = createModalTrainer({ client: new FakeModalCloud(cloud.volumeDir, new Set()).client() });
    await expect(undeployed.submit(sampleJob(), sampleRows())).rejects.toThrow(NotFoundError);
    await expect(undeployed.submit(sampleJob(), sampleRows())).rejects.toThrow(/cannot find the deployed function sia-trainer\/train/);
  });
});
