/** A valid sia.train-job/v1 job and batch rows the gpu-* tests share (the toy backend trains them in ~1 s). */
import type { SequenceRow, Trainer, TrainerStatus, TrainJob } from '../core/ports/trainer.ts';
import { completeLossSpec } from '../core/rl/loss-spec.ts';

export function sampleJob(overrides: Partial<TrainJob> = {}): TrainJob {
  return {
    schema: 'sia.train-job/v1',
    job_id: 'j-000001',
    base_model: 'toy/bigram',
    base_revision: null,
    adapter_in: null,
    adapter_out: 'adapters/policy-v0001',
    lora: { rank: 4, alpha: 8, dropout: 0, target_modules: 'all-linear', target_parameters: [] },
    loss: completeLossSpec({ kind: 'ppo_clip' }),
    optim: { lr: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip: 1, epochs: 2, minibatches: 1, seed: 0 },
    data: { uri: 'pending', sha256: '0'.repeat(64), n_rows: 0 },
    ...overrides,
  };
}

export function sampleRows(): SequenceRow[] {
  const row = (traj: string, tokens: number[], advantage: number, reward: number): SequenceRow => ({
    group: 'g1',
    traj,
    tokens,
    mask: tokens.map((_, i) => (i === 0 ? 0 : 1)),
    sampler_logprobs: tokens.map(() => -1),
    advantages: tokens.map((_, i) => (i === 0 ? 0 : advantage)),
    ref_logprobs: null,
    reward,
  });
  return [row('t1', [0, 3, 5], 1, 1), row('t2', [0, 3, 7], -1, 0)];
}

/** Polls every 50 ms until the job leaves `running`; every status seen is pushed to `seen`. */
export async function pollUntilDone(trainer: Trainer, handle: string, seen: TrainerStatus[] = []): Promise<TrainerStatus> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const status = await trainer.poll(handle);
    seen.push(status);
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${handle} still running after 15 s`);
}
