/**
 * The trainer contract (tests/contracts/trainer.case.ts) against every trainer: tiny (in process), local (the gpu/
 * worker's toy backend as a real Python child process in gpu/.venv) and modal (the fake cloud that runs the same
 * worker body against a folder playing the Volume, throwing the SDK's own errors).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTrainer } from '../plugins/trainers/local.ts';
import { createModalTrainer } from '../plugins/trainers/modal.ts';
import { createTinyTrainer } from '../plugins/trainers/tiny.ts';
import { runTrainerContract } from './contracts/trainer.case.ts';
import { FakeModalCloud } from './gpu-fake-modal.ts';
import { sampleJob, sampleRows } from './gpu-fixtures.ts';
import { crossEntropyRows, makeChoiceItems, makeJob } from './support/tiny-data.ts';
import { requireVenv } from './support/venv.ts';

const scratch = (name: string) => mkdtempSync(join(tmpdir(), `sia-trainer-contract-${name}-`));

runTrainerContract('tiny', () => {
  const dir = scratch('tiny');
  const rows = crossEntropyRows(makeChoiceItems(8, 1));
  // The tiny trainer keeps running jobs in its process; a restart finds finished adapters on disk.
  return {
    make: () => createTinyTrainer(),
    job: (id, overrides = {}) => ({ ...makeJob(rows, join(dir, id), { job_id: id, optim: { epochs: 1 } }), ...overrides }),
    rows,
    missingAdapter: join(dir, 'missing-adapter'),
    lostHandle: `tiny:${Buffer.from(JSON.stringify({ job_id: 'job-lost', adapter_out: join(dir, 'job-lost') })).toString('base64url')}`,
  };
});

runTrainerContract('local', () => {
  const dir = scratch('local');
  return {
    make: () => createLocalTrainer({ workDir: dir, backend: 'toy', python: requireVenv() }),
    job: (id, overrides = {}) => sampleJob({ job_id: id, adapter_out: `adapters/${id}`, ...overrides }),
    rows: sampleRows(),
    missingAdapter: join(dir, 'adapters', 'missing-adapter'),
    lostHandle: join(dir, 'jobs', 'job-lost'),
  };
});

runTrainerContract('modal', () => {
  const cloud = new FakeModalCloud(join(scratch('modal'), 'vol'));
  return {
    make: () => createModalTrainer({ client: cloud.client(), backend: 'toy', pollWaitMs: 20 }),
    job: (id, overrides = {}) => sampleJob({ job_id: id, adapter_out: `/vol/adapters/${id}`, ...overrides }),
    rows: sampleRows(),
    missingAdapter: '/vol/adapters/missing-adapter',
    lostHandle: 'fc-lost',
  };
});
