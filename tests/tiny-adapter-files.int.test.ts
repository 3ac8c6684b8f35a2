import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IllegalStateError, IntegrityError, ValidationError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { adapterTensors, createAdapter, type TinyAdapter } from '../core/tiny/adapter.ts';
import { addToMemory } from '../core/tiny/memory.ts';
import { TINY_BASE_MODEL, type TinyModelConfig } from '../core/tiny/model.ts';
import { seededRandom } from '../core/tiny/random.ts';
import { readTinyAdapter, writeTinyAdapter } from '../plugins/trainers/adapter-files.ts';
import { decodeSafetensors } from '../plugins/trainers/safetensors.ts';

const config: TinyModelConfig = { seed: 0, promptDims: 32, candidateDims: 24 };
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sia-tiny-adapter-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function trainedLookingAdapter(): TinyAdapter {
  const adapter = createAdapter(config, { rank: 32, alpha: 16, targets: ['bilinear', 'pairwise'], seed: 1 });
  const random = seededRandom(2);
  for (const tensor of adapterTensors(adapter)) for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = random.normal();
  adapter.memory!.store = addToMemory(adapter.memory!.store, ['事实:甲窃取手机', '事实:乙驾车撞人'], [{ prompt: '事实:甲窃取手机', answer: '盗窃' }]);
  return adapter;
}

function write(dir: string, adapter = trainedLookingAdapter()) {
  return writeTinyAdapter(dir, {
    adapter,
    modelConfig: config,
    rank: 32,
    manifest: { adapter_id: 'policy-v0001', job_id: 'job-1', parent_adapter: null, algorithm: 'cross_entropy', steps: 3 },
    metrics: [{ step: 1, loss: 1.2 }],
  });
}

describe('tiny adapter files (PEFT layout)', () => {
  it('writes adapter_config.json, PEFT tensor names and a manifest of sha256s, and reads them back', () => {
    const dir = join(root, 'policy-v0001');
    const adapter = trainedLookingAdapter();
    const manifest = write(dir, adapter);
    const peft = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(peft).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 32, lora_alpha: 16, base_model_name_or_path: TINY_BASE_MODEL });
    // The 24-dim and 16-dim inputs cap the rank; PEFT learns the capped ranks from rank_pattern.
    expect(peft.target_modules).toEqual(['bilinear', 'pairwise']);
    expect(peft.rank_pattern).toEqual({ bilinear: 24, pairwise: 16 });
    const weights = decodeSafetensors(readFileSync(join(dir, 'adapter_model.safetensors')));
    expect([...weights.tensors.keys()].sort()).toEqual([
      'base_model.model.bilinear.lora_A.weight',
      'base_model.model.bilinear.lora_B.weight',
      'base_model.model.case_memory.gate',
      'base_model.model.pairwise.lora_A.weight',
      'base_model.model.pairwise.lora_B.weight',
      'base_model.model.value_head.bias',
      'base_model.model.value_head.weight',
    ]);
    expect(weights.tensors.get('base_model.model.bilinear.lora_B.weight')!.shape).toEqual([32, 24]);
    for (const name of ['adapter_config.json', 'adapter_model.safetensors', 'case_memory.json', 'metrics.jsonl']) {
      expect(manifest.files[name]).toBe(sha256Hex(readFileSync(join(dir, name))));
    }
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);

    const loaded = readTinyAdapter(dir, config);
    expect(loaded.manifest.adapter_id).toBe('policy-v0001');
    adapterTensors(loaded.adapter).forEach((tensor, t) => {
      expect(Array.from(tensor.data)).toEqual(Array.from(Float32Array.from(adapterTensors(adapter)[t].data)));
    });
    expect(loaded.adapter.memory!.store).toEqual(adapter.memory!.store);
  });

  it.each(['adapter_model.safetensors', 'adapter_config.json', 'case_memory.json', 'metrics.jsonl'])('refuses a changed %s, naming it', (file) => {
    const dir = join(root, 'policy-v0001');
    write(dir);
    const path = join(dir, file);
    const bytes = readFileSync(path);
    bytes[bytes.length - 2] ^= 1;
    writeFileSync(path, bytes);
    expect(() => readTinyAdapter(dir, config)).toThrow(IntegrityError);
    expect(() => readTinyAdapter(dir, config)).toThrow(file);
  });

  it('refuses a missing file and an adapter of other base weights', () => {
    const dir = join(root, 'policy-v0001');
    write(dir);
    expect(() => readTinyAdapter(dir, { ...config, seed: 1 })).toThrow(ValidationError);
    rmSync(join(dir, 'metrics.jsonl'));
    expect(() => readTinyAdapter(dir, config)).toThrow(/metrics.jsonl is missing/);
  });

  it('never overwrites an existing adapter', () => {
    const dir = join(root, 'policy-v0001');
    mkdirSync(dir);
    writeFileSync(join(dir, 'other'), 'x');
    expect(() => write(dir)).toThrow(IllegalStateError);
    expect(readFileSync(join(dir, 'other'), 'utf8')).toBe('x');
  });
});
