/**
 * The local trainer end to end: a real `python3 -m sia_worker` child process (toy numpy backend, no torch), files
 * in a job folder, progress from metrics.jsonl, and a second trainer instance (a restarted sia) resuming the handle.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../core/errors.ts';
import type { TrainerStatus } from '../core/ports/trainer.ts';
import { createLocalTrainer } from '../plugins/trainers/local.ts';
import { pollUntilDone, sampleJob, sampleRows } from './gpu-fixtures.ts';

const pythonMissing = spawnSync('python3', ['-c', 'import numpy']).status !== 0;
if (pythonMissing) console.warn('[gpu-local-trainer] SKIPPED: python3 with numpy is not available');

describe.skipIf(pythonMissing)('local trainer (python subprocess)', () => {
  it('trains an adapter in a child process and survives a restart of sia', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'sia-local-'));
    const { handle } = await createLocalTrainer({ workDir, backend: 'toy' }).submit(sampleJob({ optim: { ...sampleJob().optim, epochs: 4 } }), sampleRows());
    expect(existsSync(join(handle, 'worker.pid'))).toBe(true);

    const restarted = createLocalTrainer({ workDir, backend: 'toy' });
    const seen: TrainerStatus[] = [];
    const status = await pollUntilDone(restarted, handle, seen);
    if (status.state !== 'completed') throw new Error(`expected completion, got ${JSON.stringify(status)}`);
    expect(status.adapterDir).toBe(join(workDir, 'adapters/policy-v0001'));
    expect(status.manifest).toMatchObject({ adapter_id: 'policy-v0001', job_id: 'j-000001', steps: 4, algorithm: 'ppo_clip' });
    expect(Object.keys(status.manifest.files).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'metrics.jsonl']);
    expect(status.metrics.step).toBe(4);
    for (const running of seen.filter((s) => s.state === 'running')) expect(running.state === 'running' && running.step).toBeLessThanOrEqual(4);
    // The batch the worker trained on is exactly what TS sent, hash-checked by the worker.
    const job = JSON.parse(readFileSync(join(handle, 'job.json'), 'utf8'));
    expect(job.data.n_rows).toBe(2);
  });

  it('reports a failing worker with its reason, and an edited adapter as an integrity error', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'sia-local-'));
    const trainer = createLocalTrainer({ workDir, backend: 'toy' });
    // Token 5000 is beyond the toy vocabulary: the worker must fail and say why.
    const rows = sampleRows().map((row) => ({ ...row, tokens: [0, 3, 5000] }));
    const failed = await pollUntilDone(trainer, (await trainer.submit(sampleJob({ job_id: 'j-fail' }), rows)).handle);
    expect(failed).toMatchObject({ state: 'failed', error: expect.stringMatching(/toy backend/) });

    const { handle } = await trainer.submit(sampleJob({ job_id: 'j-ok', adapter_out: 'adapters/policy-v0002' }), sampleRows());
    const done = await pollUntilDone(trainer, handle);
    if (done.state !== 'completed') throw new Error(JSON.stringify(done));
    writeFileSync(join(done.adapterDir, 'adapter_config.json'), '{}');
    await expect(trainer.poll(handle)).rejects.toThrow(IntegrityError);
  });

  it('fails clearly when the python executable does not exist', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'sia-local-'));
    const trainer = createLocalTrainer({ workDir, backend: 'toy', python: join(workDir, 'no-python') });
    const status = await pollUntilDone(trainer, (await trainer.submit(sampleJob(), sampleRows())).handle);
    expect(status).toMatchObject({ state: 'failed', error: expect.stringMatching(/could not start/) });
  });
});
