import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, ValidationError } from '../core/errors.ts';
import type { ChatRequest } from '../core/ports/policy-model.ts';
import { createAdapter } from '../core/tiny/adapter.ts';
import { chatPromptText } from '../core/tiny/choice-context.ts';
import { addToMemory } from '../core/tiny/memory.ts';
import { DEFAULT_TINY_CONFIG } from '../core/tiny/model.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { writeTinyAdapter } from '../plugins/trainers/adapter-files.ts';
import { createTinyTrainer } from '../plugins/trainers/tiny.ts';
import { crossEntropyRows, makeChoiceItems, makeJob } from './support/tiny-data.ts';

let root: string;
let adapterDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sia-tiny-policy-'));
  adapterDir = join(root, 'policy-v0001');
  const rows = crossEntropyRows(makeChoiceItems(32, 5));
  const trainer = createTinyTrainer();
  const { handle } = await trainer.submit(makeJob(rows, adapterDir, { job_id: 'j1' }), rows);
  while ((await trainer.poll(handle)).state === 'running') await new Promise((resolve) => setTimeout(resolve, 5));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const request: ChatRequest = {
  model: 'policy',
  messages: [
    { role: 'system', content: 'Answer with one charge.' },
    { role: 'user', content: '被告人在超市盗窃财物。' },
  ],
  guidedChoice: ['盗窃罪', '诈骗罪', '故意伤害罪'],
  temperature: 1,
  seed: 42,
};

describe('tiny policy provider', () => {
  it('refuses free-text requests with a clear error', async () => {
    const policy = createTinyPolicy();
    const error = await policy.chat({ model: 'policy', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe('guidedChoice');
    expect(error.message).toMatch(/guided choice only/);
    expect(policy.flags).toEqual({ guidedChoice: true, freeText: false, logprobs: true });
  });

  it('answers one of the candidates, with its index as the token and its logprob', async () => {
    const policy = createTinyPolicy();
    const response = await policy.chat(request);
    const index = response.tokenIds[0];
    expect(response.tokenIds).toHaveLength(1);
    expect(response.content).toBe(request.guidedChoice![index]);
    expect(response.logprobs[0]).toBeLessThan(0);
    expect(response.logprobs[0]).toBeGreaterThan(Math.log(1e-6));
    expect(response.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 1 });
    expect(await policy.chat(request)).toEqual(response);
  });

  it('samples differently across seeds and greedily at temperature 0', async () => {
    const policy = createTinyPolicy();
    const seen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) seen.add((await policy.chat({ ...request, seed })).tokenIds[0]);
    expect(seen.size).toBeGreaterThan(1);
    const greedy = await Promise.all([0, 1, 2].map((seed) => policy.chat({ ...request, temperature: 0, seed })));
    expect(new Set(greedy.map((r) => r.tokenIds[0])).size).toBe(1);
  });

  it('serves a trained adapter, and base weights again after useAdapter(null)', async () => {
    const policy = createTinyPolicy();
    const before = await policy.chat({ ...request, temperature: 0 });
    await policy.useAdapter({ adapterId: 'policy-v0001', dir: adapterDir });
    expect(policy.adapterId).toBe('policy-v0001');
    const adapted = await policy.chat({ ...request, temperature: 0 });
    expect(adapted.logprobs[0]).not.toBeCloseTo(before.logprobs[0], 6);
    await policy.useAdapter(null);
    expect(policy.adapterId).toBeNull();
    expect(await policy.chat({ ...request, temperature: 0 })).toEqual(before);
  });

  it('answers from its case memory: a prompt close to a remembered one gets the remembered answer', async () => {
    const remembered = chatPromptText([request.messages[0], { role: 'user', content: '被告人在超市盗窃财物后逃跑。' }]);
    const other = chatPromptText([request.messages[0], { role: 'user', content: '被告人驾驶机动车撞伤行人。' }]);
    const withGate = (gate: number) => {
      const adapter = createAdapter(DEFAULT_TINY_CONFIG, { rank: 4, alpha: 4, targets: ['pairwise'], seed: 1 });
      // The remembered answer is deliberately not the one the words point to: only the memory can pick it.
      adapter.memory!.store = addToMemory(adapter.memory!.store, [remembered, other], [{ prompt: remembered, answer: '诈骗罪' }]);
      adapter.memory!.gate[0] = gate;
      const dir = join(root, `memory-gate-${gate}`);
      writeTinyAdapter(dir, {
        adapter,
        modelConfig: DEFAULT_TINY_CONFIG,
        rank: 4,
        manifest: { adapter_id: `memory-gate-${gate}`, job_id: 'memory', parent_adapter: null, algorithm: 'cross_entropy', steps: 0 },
      });
      return { adapterId: `memory-gate-${gate}`, dir };
    };
    const policy = createTinyPolicy();
    await policy.useAdapter(withGate(0));
    const off = await policy.chat({ ...request, temperature: 0 });
    expect(off.content).not.toBe('诈骗罪');
    await policy.useAdapter(withGate(16));
    const on = await policy.chat({ ...request, temperature: 0 });
    expect(on.content).toBe('诈骗罪');
  });

  it('refuses a tampered adapter and one named differently', async () => {
    const policy = createTinyPolicy();
    await expect(policy.useAdapter({ adapterId: 'policy-v0009', dir: adapterDir })).rejects.toThrow(/holds adapter policy-v0001/);
    const weights = join(adapterDir, 'adapter_model.safetensors');
    const original = readFileSync(weights);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 1] ^= 0x40;
    writeFileSync(weights, tampered);
    try {
      const error = await policy.useAdapter({ adapterId: 'policy-v0001', dir: adapterDir }).catch((caught) => caught);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(error.message).toContain('adapter_model.safetensors');
      expect(policy.adapterId).toBeNull();
    } finally {
      writeFileSync(weights, original);
    }
  });
});
