/**
 * The contract every Trainer keeps, run against tiny, local and modal (tests/trainers-contract.int.test.ts):
 * a job completes with a manifest naming it; submitting the same job again returns the same handle and trains
 * nothing new; a restarted sia (a new trainer on the same work dir or cloud) polls the handle to the same result;
 * a job that cannot train ends `failed` with a message naming the culprit, and submitting it again after the fix
 * starts it afresh; a handle nobody issued is `failed` (so the loop resubmits from the log), never a throw.
 */
import { describe, expect, it } from 'vitest';
import type { Trainer, TrainerStatus, TrainJob, TrainRow } from '../../core/ports/trainer.ts';

export interface TrainerHarness {
  /** A trainer over the harness's persistent state; a second call stands for a restarted sia. */
  make(): Trainer;
  /** A job this trainer can train, with its own job id and adapter_out. */
  job(id: string, overrides?: Partial<TrainJob>): TrainJob;
  rows: TrainRow[];
  /** An adapter_in that does not exist, in the form this trainer's jobs name adapters. */
  missingAdapter: string;
  /** A handle of the trainer's form that no submit issued. */
  lostHandle: string;
}

async function settled(trainer: Trainer, handle: string): Promise<Exclude<TrainerStatus, { state: 'running' }>> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const status = await trainer.poll(handle);
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${handle} still running after 30 s`);
}

export function runTrainerContract(name: string, setup: () => TrainerHarness): void {
  describe(`trainer contract: ${name}`, { timeout: 60_000 }, () => {
    it('trains a job to a manifest naming it, and a restarted sia polls the handle to the same result', async () => {
      const harness = setup();
      const trainer = harness.make();
      const { handle } = await trainer.submit(harness.job('job-c1'), harness.rows);
      const done = await settled(trainer, handle);
      expect(done).toMatchObject({ state: 'completed', manifest: { job_id: 'job-c1' } });
      const again = await harness.make().poll(handle);
      expect(again).toMatchObject({ state: 'completed', manifest: (done as { manifest: unknown }).manifest });
    });

    it('submitting the same job again returns the same handle and trains nothing new', async () => {
      const harness = setup();
      const trainer = harness.make();
      const first = await trainer.submit(harness.job('job-c2'), harness.rows);
      const done = await settled(trainer, first.handle);
      const second = await trainer.submit(harness.job('job-c2'), harness.rows);
      expect(second.handle).toBe(first.handle);
      expect(await trainer.poll(second.handle)).toEqual(done);
    });

    it('a job that cannot train ends failed, naming the culprit; after the fix, submitting it again starts it afresh', async () => {
      const harness = setup();
      const trainer = harness.make();
      const broken = await trainer.submit(harness.job('job-c3', { adapter_in: harness.missingAdapter }), harness.rows).then(
        ({ handle }) => settled(trainer, handle),
        (error: Error) => ({ state: 'failed' as const, error: error.message }),
      );
      expect(broken.state).toBe('failed');
      expect((broken as { error: string }).error).toContain(harness.missingAdapter.split('/').pop());
      const fixed = await trainer.submit(harness.job('job-c3'), harness.rows);
      expect(await settled(trainer, fixed.handle)).toMatchObject({ state: 'completed', manifest: { job_id: 'job-c3' } });
    });

    it('a handle nobody issued is failed, so the loop resubmits from the log', async () => {
      const harness = setup();
      const status = await harness.make().poll(harness.lostHandle);
      expect(status.state).toBe('failed');
      expect((status as { error: string }).error.length).toBeGreaterThan(0);
    });
  });
}
