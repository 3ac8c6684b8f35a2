import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../core/errors.ts';
import type { PolicyModel } from '../core/ports/policy-model.ts';
import type { SequenceRow, Trainer, TrainerStatus, TrainRow } from '../core/ports/trainer.ts';
import { createBaseWeights, DEFAULT_TINY_CONFIG, encodeChoice, forward } from '../core/tiny/model.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { readTinyAdapter } from '../plugins/trainers/adapter-files.ts';
import { createTinyTrainer, type TrainingProgress } from '../plugins/trainers/tiny.ts';
import { type ChoiceItem, crossEntropyRows, makeChoiceItems, makeJob } from './support/tiny-data.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sia-tiny-trainer-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const trainItems = makeChoiceItems(96, 1);
const heldOut = makeChoiceItems(200, 2);

async function finished(trainer: Trainer, handle: string): Promise<TrainerStatus> {
  for (;;) {
    const status = await trainer.poll(handle);
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function accuracy(policy: PolicyModel, items: ChoiceItem[]): Promise<number> {
  let correct = 0;
  for (const item of items) {
    const response = await policy.chat({ model: 'policy', messages: [{ role: 'user', content: item.prompt }], guidedChoice: item.candidates, temperature: 0 });
    if (response.tokenIds[0] === item.answer) correct++;
  }
  return correct / items.length;
}

async function trainAndScore(rows: TrainRow[], name: string, overrides: Parameters<typeof makeJob>[2] = {}) {
  const trainer = createTinyTrainer();
  const dir = join(root, name);
  const { handle } = await trainer.submit(makeJob(rows, dir, { job_id: name, ...overrides }), rows);
  const status = await finished(trainer, handle);
  if (status.state !== 'completed') throw new Error(`training failed: ${JSON.stringify(status)}`);
  const policy = createTinyPolicy();
  await policy.useAdapter({ adapterId: name, dir });
  return { status, accuracy: await accuracy(policy, heldOut), dir };
}

/** Rollouts the base policy samples itself, rewarded 1 for the right candidate, group-relative advantages. */
async function sampledRows(items: ChoiceItem[], samples: number): Promise<SequenceRow[]> {
  const policy = createTinyPolicy();
  const rows: SequenceRow[] = [];
  for (const [i, item] of items.entries()) {
    const group = [];
    for (let s = 0; s < samples; s++) {
      const response = await policy.chat({
        model: 'policy',
        messages: [{ role: 'user', content: item.prompt }],
        guidedChoice: item.candidates,
        temperature: 1,
        seed: i * 100 + s,
      });
      group.push({ index: response.tokenIds[0], logprob: response.logprobs[0], reward: response.tokenIds[0] === item.answer ? 1 : 0 });
    }
    const mean = group.reduce((sum, g) => sum + g.reward, 0) / samples;
    group.forEach((g, s) =>
      rows.push({
        group: `g${i}`,
        traj: `g${i}-${s}`,
        tokens: [g.index],
        mask: [1],
        sampler_logprobs: [g.logprob],
        advantages: [g.reward - mean],
        ref_logprobs: null,
        reward: g.reward,
        context: { messages: [{ role: 'user', content: item.prompt }], candidates: item.candidates },
      }),
    );
  }
  return rows;
}

describe('tiny trainer', () => {
  let baseAccuracy: number;
  beforeAll(async () => {
    baseAccuracy = await accuracy(createTinyPolicy(), heldOut);
  });

  it('raises held-out accuracy with cross-entropy on the right candidates', async () => {
    const { status, accuracy: trained } = await trainAndScore(crossEntropyRows(trainItems), 'ce');
    expect(trained).toBeGreaterThan(baseAccuracy + 0.3);
    expect(trained).toBeGreaterThan(0.8);
    if (status.state !== 'completed') return;
    expect(status.manifest).toMatchObject({ adapter_id: 'ce', job_id: 'ce', parent_adapter: null, steps: 12, algorithm: 'cross_entropy' });
    expect(status.metrics.loss_last).toBeLessThan(status.metrics.loss_first);
  });

  it('raises accuracy with an importance-sampled policy gradient on its own rollouts', async () => {
    const rows = await sampledRows(trainItems.slice(0, 64), 4);
    const { accuracy: trained } = await trainAndScore(rows, 'is', { loss: { kind: 'is', agg: 'token_sum' } });
    expect(trained).toBeGreaterThan(baseAccuracy + 0.2);
  });

  it('raises accuracy with DPO on right-versus-wrong pairs', async () => {
    const rows: TrainRow[] = trainItems.map((item, i) => {
      const context = { prompt: item.prompt, candidates: item.candidates };
      return {
        group: `g${i}`,
        chosen: { tokens: [item.answer], mask: [1], context },
        rejected: { tokens: [(item.answer + 1) % item.candidates.length], mask: [1], context },
        ref_lp_chosen: Math.log(0.25),
        ref_lp_rejected: Math.log(0.25),
      };
    });
    const { accuracy: trained } = await trainAndScore(rows, 'dpo', { loss: { kind: 'dpo', dpo_beta: 0.5 } });
    expect(trained).toBeGreaterThan(baseAccuracy + 0.2);
  });

  it('trains the value head with PPO+GAE towards the rewards, reporting every step', async () => {
    const items = trainItems.slice(0, 32);
    const rows = (await sampledRows(items, 2)).map(({ advantages, ...row }) => ({ ...row, rewards: [row.reward] }));
    const meanReward = rows.reduce((sum, row) => sum + row.reward, 0) / rows.length;
    const progress: TrainingProgress[] = [];
    const trainer = createTinyTrainer({ onProgress: (event) => progress.push(event) });
    const dir = join(root, 'gae');
    const job = makeJob(rows, dir, { job_id: 'gae', loss: { kind: 'ppo_gae' }, optim: { epochs: 8, minibatches: 2, lr: 0.03 } });
    const status = await finished(trainer, (await trainer.submit(job, rows)).handle);
    expect(status.state).toBe('completed');
    expect(progress.map((event) => event.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(progress.every((event) => event.totalSteps === 16 && Number.isFinite(event.metrics.loss))).toBe(true);
    expect(Object.keys(progress[0].metrics)).toEqual(expect.arrayContaining(['loss', 'grad_norm', 'lr', 'vf_loss']));
    // The value head starts at 0; it must move most of the way to the mean reward.
    const { adapter } = readTinyAdapter(dir, DEFAULT_TINY_CONFIG);
    const base = createBaseWeights(DEFAULT_TINY_CONFIG);
    const values = items.map((item) => forward(base, adapter, encodeChoice(DEFAULT_TINY_CONFIG, `user: ${item.prompt}`, item.candidates)).value);
    const meanValue = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(meanReward).toBeGreaterThan(0.1);
    expect(Math.abs(meanValue - meanReward)).toBeLessThan(meanReward / 2);
  });

  it('continues from adapter_in and records the parent', async () => {
    const first = await trainAndScore(crossEntropyRows(trainItems.slice(0, 32)), 'first', { optim: { epochs: 1 } });
    const rows = crossEntropyRows(trainItems.slice(32));
    const second = await trainAndScore(rows, 'second', { adapter_in: first.dir });
    expect(second.status.state === 'completed' && second.status.manifest.parent_adapter).toBe('first');
    const mismatched = makeJob(rows, join(root, 'third'), { adapter_in: first.dir, lora: { rank: 4 } });
    await expect(createTinyTrainer().submit(mismatched, rows)).rejects.toThrow(/adapter_in has r=8/);
  });

  it('answers poll from disk after a restart', async () => {
    const rows = crossEntropyRows(trainItems.slice(0, 8));
    const dir = join(root, 'restart');
    const trainer = createTinyTrainer();
    const { handle } = await trainer.submit(makeJob(rows, dir, { job_id: 'restart', optim: { epochs: 1 } }), rows);
    await finished(trainer, handle);
    const afterRestart = await createTinyTrainer().poll(handle);
    expect(afterRestart).toMatchObject({ state: 'completed', adapterDir: dir, manifest: { job_id: 'restart' } });
    const lost = await createTinyTrainer()
      .poll(handle.replace(/.$/, ''))
      .catch((error) => error);
    expect(lost).toBeInstanceOf(ValidationError);
  });

  it('reports a job that fails while running as failed, with the error', async () => {
    const rows = crossEntropyRows(trainItems.slice(0, 8));
    const dir = join(root, 'occupied');
    mkdirSync(dir);
    writeFileSync(join(dir, 'something'), 'x');
    const trainer = createTinyTrainer();
    const { handle } = await trainer.submit(makeJob(rows, dir, { job_id: 'occupied' }), rows);
    const status = await finished(trainer, handle);
    expect(status.state).toBe('failed');
    expect(status.state === 'failed' && status.error).toMatch(/IllegalStateError: .*occupied already exists/);
  });

  it('refuses bad jobs and rows at submit, naming the field', async () => {
    const rows = crossEntropyRows(trainItems.slice(0, 4));
    const trainer = createTinyTrainer();
    const out = join(root, 'refused');
    await expect(trainer.submit({ ...makeJob(rows, out), base_model: 'openai/gpt-oss-120b' }, rows)).rejects.toThrow(/job.base_model/);
    await expect(trainer.submit(makeJob(rows, out), rows.slice(1))).rejects.toThrow(/job.data.n_rows/);
    const edited = rows.map((row, i) => (i === 0 ? { ...row, reward: 0 } : row));
    await expect(trainer.submit(makeJob(rows, out), edited)).rejects.toThrow(IntegrityError);
    const noContext = (rows as SequenceRow[]).map(({ context, ...row }) => row);
    await expect(trainer.submit(makeJob(noContext, out), noContext)).rejects.toThrow(/rows\[0\]\.context/);
    const noAdvantages = makeJob(rows, out, { loss: { kind: 'ppo_clip' } });
    await expect(trainer.submit(noAdvantages, rows)).rejects.toThrow(/rows\[0\]\.advantages: loss ppo_clip needs per-token advantages/);
    const badIndex = rows.map((row) => ({ ...row, tokens: [7] })) as TrainRow[];
    await expect(trainer.submit(makeJob(badIndex, out), badIndex)).rejects.toThrow(/rows\[0\]\.tokens: index 7 is outside the 4 candidates/);
  });
});
