/**
 * The tiny policy's LoRA adapter: low-rank deltas B·A·(α/r) on its two matrices, a value head for PPO+GAE and the
 * case memory (core/tiny/memory.ts) with its gate.
 * Tensor names and shapes follow PEFT (`base_model.model.<module>.lora_A.weight` is r×in, `lora_B` out×r), so
 * the same files load in the TS policy and in any PEFT tooling.
 */
import { ValidationError } from '../errors.ts';
import { PAIR_DIMS } from './features.ts';
import { type CaseMemory, emptyMemory } from './memory.ts';
import type { TinyModelConfig } from './model.ts';
import { seededRandom } from './random.ts';

export const LORA_TARGETS = ['bilinear', 'pairwise'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];
export const VALUE_HEAD = 'value_head';
export const MEMORY_GATE = 'base_model.model.case_memory.gate';

export interface LoraModule {
  target: LoraTarget;
  rank: number;
  inDim: number;
  outDim: number;
  /** rank × inDim, row-major. */
  A: Float64Array;
  /** outDim × rank, row-major. */
  B: Float64Array;
}

export interface TinyAdapter {
  alpha: number;
  modules: LoraModule[];
  /** V(prompt) = valueWeight·φ + valueBias. */
  valueWeight: Float64Array;
  valueBias: Float64Array;
  /** The case memory and its gate; null for adapters written before the memory existed (they load unchanged). */
  memory: { gate: Float64Array; store: CaseMemory } | null;
}

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float64Array;
}

export interface AdapterOptions {
  rank: number;
  alpha: number;
  targets: readonly LoraTarget[];
  seed: number;
}

/** Shapes of each target: W maps ψ (candidate dims) to prompt dims, M maps π (pair features) to prompt dims. */
export function targetShape(config: TinyModelConfig, target: LoraTarget): { inDim: number; outDim: number } {
  return target === 'bilinear' ? { inDim: config.candidateDims, outDim: config.promptDims } : { inDim: PAIR_DIMS, outDim: config.promptDims };
}

/** `all-linear` (PEFT's shorthand) or names of our modules; anything else is a job meant for another model. */
export function resolveTargets(targetModules: string | string[]): LoraTarget[] {
  const names = typeof targetModules === 'string' ? [targetModules] : targetModules;
  if (names.includes('all-linear')) return [...LORA_TARGETS];
  const unknown = names.filter((name) => !(LORA_TARGETS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new ValidationError(
      `the tiny policy has modules ${LORA_TARGETS.join(', ')} (or "all-linear"); got ${JSON.stringify(targetModules)}`,
      'lora.target_modules',
    );
  }
  return names as LoraTarget[];
}

/** PEFT's init: A kaiming-uniform (bound 1/√in), B zero, so a fresh adapter leaves the base model unchanged. */
export function createAdapter(config: TinyModelConfig, options: AdapterOptions): TinyAdapter {
  if (!(options.rank >= 1)) throw new ValidationError('must be at least 1', 'lora.rank');
  const random = seededRandom(options.seed);
  const modules = options.targets.map((target): LoraModule => {
    const { inDim, outDim } = targetShape(config, target);
    const rank = Math.min(options.rank, inDim, outDim);
    const bound = 1 / Math.sqrt(inDim);
    const A = new Float64Array(rank * inDim).map(() => (2 * random.next() - 1) * bound);
    return { target, rank, inDim, outDim, A, B: new Float64Array(outDim * rank) };
  });
  return {
    alpha: options.alpha,
    modules,
    valueWeight: new Float64Array(config.promptDims),
    valueBias: new Float64Array(1),
    memory: { gate: new Float64Array(1), store: emptyMemory() },
  };
}

export function zerosLike(adapter: TinyAdapter): TinyAdapter {
  return {
    alpha: adapter.alpha,
    modules: adapter.modules.map((m) => ({ ...m, A: new Float64Array(m.A.length), B: new Float64Array(m.B.length) })),
    valueWeight: new Float64Array(adapter.valueWeight.length),
    valueBias: new Float64Array(1),
    memory: adapter.memory && { gate: new Float64Array(1), store: adapter.memory.store },
  };
}

export const loraScale = (adapter: TinyAdapter, module: LoraModule): number => adapter.alpha / module.rank;

/** Every trainable tensor under its PEFT name; the arrays are shared, so optimizers update the adapter in place. */
export function adapterTensors(adapter: TinyAdapter): NamedTensor[] {
  const tensors: NamedTensor[] = [];
  for (const m of adapter.modules) {
    tensors.push({ name: `base_model.model.${m.target}.lora_A.weight`, shape: [m.rank, m.inDim], data: m.A });
    tensors.push({ name: `base_model.model.${m.target}.lora_B.weight`, shape: [m.outDim, m.rank], data: m.B });
  }
  tensors.push({ name: `base_model.model.${VALUE_HEAD}.weight`, shape: [1, adapter.valueWeight.length], data: adapter.valueWeight });
  tensors.push({ name: `base_model.model.${VALUE_HEAD}.bias`, shape: [1], data: adapter.valueBias });
  if (adapter.memory) tensors.push({ name: MEMORY_GATE, shape: [1], data: adapter.memory.gate });
  return tensors;
}

/**
 * Rebuilds an adapter from named tensors (the inverse of adapterTensors), checking every shape against the model.
 * `store` is the case memory read beside the tensors (null when the adapter has none).
 */
export function adapterFromTensors(
  config: TinyModelConfig,
  alpha: number,
  tensors: Map<string, { shape: number[]; data: Float64Array }>,
  store: CaseMemory | null = null,
): TinyAdapter {
  const take = (name: string, shape: number[] | null): { shape: number[]; data: Float64Array } => {
    const tensor = tensors.get(name);
    if (!tensor) throw new ValidationError('missing from adapter_model.safetensors', name);
    if (shape && tensor.shape.join('x') !== shape.join('x')) {
      throw new ValidationError(`has shape [${tensor.shape}], the model needs [${shape}]`, name);
    }
    return tensor;
  };
  const modules: LoraModule[] = [];
  for (const target of LORA_TARGETS) {
    const prefix = `base_model.model.${target}`;
    if (!tensors.has(`${prefix}.lora_A.weight`)) continue;
    const { inDim, outDim } = targetShape(config, target);
    const A = take(`${prefix}.lora_A.weight`, null);
    const rank = A.shape[0];
    take(`${prefix}.lora_A.weight`, [rank, inDim]);
    const B = take(`${prefix}.lora_B.weight`, [outDim, rank]);
    modules.push({ target, rank, inDim, outDim, A: A.data, B: B.data });
  }
  const valueWeight = take(`base_model.model.${VALUE_HEAD}.weight`, [1, config.promptDims]).data;
  const valueBias = take(`base_model.model.${VALUE_HEAD}.bias`, [1]).data;
  if (tensors.has(MEMORY_GATE) !== (store !== null)) {
    throw new ValidationError(
      store
        ? 'is missing while the adapter has a case memory; an adapter carries both or neither'
        : 'is set but the adapter has no case memory (case_memory.json)',
      MEMORY_GATE,
    );
  }
  const memory = store && { gate: take(MEMORY_GATE, [1]).data, store };
  return { alpha, modules, valueWeight, valueBias, memory };
}
