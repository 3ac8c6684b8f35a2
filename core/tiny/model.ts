/**
 * The tiny policy: a real, differentiable model of guided choice.
 *   score(p, c) = φ(p)ᵀ (W₀ + s·B_W A_W) ψ(c) + φ(p)ᵀ (M₀ + s·B_M A_M) π(p, c) + g·sim(p, c),   s = α/r
 *   π(choice) = softmax(score / temperature),   V(p) = hᵀφ(p) + b
 * W₀ and M₀ are frozen and derived from the seed; only the adapter (A, B, value head, memory gate g) trains. sim is
 * the adapter's case memory (core/tiny/memory.ts), computed by whoever encodes the choice with that adapter.
 */
import { ValidationError } from '../errors.ts';
import { logSumExp } from '../rl/numeric.ts';
import { adapterTensors, type LoraModule, loraScale, type TinyAdapter } from './adapter.ts';
import { type CandidateCache, type CandidateView, encodeCandidates, encodePrompt, PAIR_DIMS, type PromptView, type SparseVector } from './features.ts';
import { memorySimilarities } from './memory.ts';
import { deriveSeed, type SeededRandom, seededRandom } from './random.ts';

export interface TinyModelConfig {
  seed: number;
  promptDims: number;
  candidateDims: number;
}

export const DEFAULT_TINY_CONFIG: TinyModelConfig = { seed: 0, promptDims: 256, candidateDims: 256 };
export const TINY_BASE_MODEL = 'sia/tiny-policy';
/** Names the base weights exactly: an adapter trained on one revision is meaningless on another. */
export const tinyBaseRevision = (config: TinyModelConfig): string => `features-v1.seed-${config.seed}.dims-${config.promptDims}x${config.candidateDims}`;

export interface BaseWeights {
  config: TinyModelConfig;
  /** promptDims × candidateDims, row-major. */
  bilinear: Float64Array;
  /** promptDims × PAIR_DIMS, row-major. */
  pairwise: Float64Array;
}

/** Small random base weights: scores start near uniform, so what the policy learns shows up in its accuracy. */
export function createBaseWeights(config: TinyModelConfig): BaseWeights {
  for (const field of ['promptDims', 'candidateDims'] as const) {
    if (!Number.isInteger(config[field]) || config[field] < 8) throw new ValidationError('must be an integer ≥ 8', field);
  }
  const random = seededRandom(deriveSeed(config.seed, 'base-weights'));
  const scale = 0.1;
  const bilinear = new Float64Array(config.promptDims * config.candidateDims).map(() => random.normal() * scale);
  const pairwise = new Float64Array(config.promptDims * PAIR_DIMS).map(() => random.normal() * scale);
  return { config, bilinear, pairwise };
}

export interface ChoiceInput {
  prompt: PromptView;
  candidates: CandidateView[];
  /** sim(p, c) per candidate from the adapter's case memory; absent without one. */
  memorySims?: Float64Array;
}

export function encodeChoice(config: TinyModelConfig, prompt: string, candidates: readonly string[], cache?: CandidateCache): ChoiceInput {
  if (candidates.length === 0) throw new ValidationError('needs at least one candidate', 'guidedChoice');
  const view = encodePrompt(prompt, config.promptDims);
  return { prompt: view, candidates: encodeCandidates(view, candidates, config.candidateDims, cache) };
}

/**
 * A choice as served with `adapter`: the memory's similarities attached unless the adapter has no memory or its gate
 * is 0 (then the lookup would change nothing). Training rows get leave-one-out ones instead (memory-training.ts).
 */
export function encodeServedChoice(
  config: TinyModelConfig,
  adapter: TinyAdapter | null,
  prompt: string,
  candidates: readonly string[],
  cache?: CandidateCache,
): ChoiceInput {
  const input = encodeChoice(config, prompt, candidates, cache);
  if (adapter?.memory && adapter.memory.gate[0] !== 0) input.memorySims = memorySimilarities(adapter.memory.store, prompt, candidates);
  return input;
}

/** What backward needs from forward: Bᵀφ for each LoRA module. */
export interface ForwardPass {
  scores: Float64Array;
  logprobs: Float64Array;
  value: number;
  temperature: number;
  promptProjections: Float64Array[];
}

const PAIR_INDICES = Int32Array.from({ length: PAIR_DIMS }, (_, i) => i);
const pairAsSparse = (pair: Float64Array): SparseVector => ({ indices: PAIR_INDICES, values: pair });

export const moduleInput = (module: LoraModule, candidate: CandidateView): SparseVector =>
  module.target === 'bilinear' ? candidate.features : pairAsSparse(candidate.pair);

/** φᵀ·Matrix for a row-major rows×cols matrix and sparse φ. */
function projectRows(matrix: Float64Array, cols: number, phi: SparseVector): Float64Array {
  const out = new Float64Array(cols);
  for (let n = 0; n < phi.indices.length; n++) {
    const row = phi.indices[n] * cols;
    const weight = phi.values[n];
    for (let c = 0; c < cols; c++) out[c] += weight * matrix[row + c];
  }
  return out;
}

function sparseDot(dense: Float64Array, sparse: SparseVector): number {
  let sum = 0;
  for (let n = 0; n < sparse.indices.length; n++) sum += dense[sparse.indices[n]] * sparse.values[n];
  return sum;
}

export function logSoftmax(logits: Float64Array): Float64Array {
  const logNormalizer = logSumExp(Array.from(logits));
  return logits.map((value) => value - logNormalizer);
}

interface BaseRows {
  bilinear: Float64Array;
  pairwise: Float64Array;
}

/** φᵀW₀ and φᵀM₀ never change for a prompt, and training revisits each prompt every epoch: compute them once. */
const baseRowCache = new WeakMap<ChoiceInput, { base: BaseWeights; rows: BaseRows }>();

function baseRowsOf(base: BaseWeights, input: ChoiceInput): BaseRows {
  const cached = baseRowCache.get(input);
  if (cached?.base === base) return cached.rows;
  const phi = input.prompt.features;
  const rows = { bilinear: projectRows(base.bilinear, base.config.candidateDims, phi), pairwise: projectRows(base.pairwise, PAIR_DIMS, phi) };
  baseRowCache.set(input, { base, rows });
  return rows;
}

/**
 * Folds each matrix into one row per prompt, φᵀ(W₀ + s·BA) = φᵀW₀ + s·(Bᵀφ)ᵀA, so each candidate then costs only
 * a sparse dot product: a forward pass over 191 charge names stays far below a millisecond.
 */
export function forward(base: BaseWeights, adapter: TinyAdapter | null, input: ChoiceInput, temperature = 1): ForwardPass {
  if (!(temperature > 0)) throw new ValidationError('must be positive for logprobs (use greedy choice for 0)', 'temperature');
  const phi = input.prompt.features;
  const baseRows = baseRowsOf(base, input);
  const rows = { bilinear: baseRows.bilinear.slice(), pairwise: baseRows.pairwise.slice() };
  const modules = adapter?.modules ?? [];
  const promptProjections = modules.map((module) => {
    const projection = projectRows(module.B, module.rank, phi);
    const scale = loraScale(adapter!, module);
    const row = rows[module.target];
    for (let k = 0; k < module.rank; k++) {
      const factor = scale * projection[k];
      const offset = k * module.inDim;
      for (let i = 0; i < module.inDim; i++) row[i] += factor * module.A[offset + i];
    }
    return projection;
  });
  const scores = new Float64Array(input.candidates.length);
  input.candidates.forEach((candidate, j) => {
    let score = sparseDot(rows.bilinear, candidate.features);
    for (let f = 0; f < PAIR_DIMS; f++) score += rows.pairwise[f] * candidate.pair[f];
    scores[j] = score;
  });
  const gate = adapter?.memory?.gate[0] ?? 0;
  if (gate !== 0 && input.memorySims) for (let j = 0; j < scores.length; j++) scores[j] += gate * input.memorySims[j];
  const value = adapter ? sparseDot(adapter.valueWeight, phi) + adapter.valueBias[0] : 0;
  const logprobs = logSoftmax(scores.map((score) => score / temperature));
  return { scores, logprobs, value, temperature, promptProjections };
}

/** Inverse-CDF draw from exp(logprobs). */
export function sampleIndex(logprobs: Float64Array, random: SeededRandom): number {
  let threshold = random.next();
  for (let j = 0; j < logprobs.length; j++) {
    threshold -= Math.exp(logprobs[j]);
    if (threshold < 0) return j;
  }
  return logprobs.length - 1;
}

export function argmax(values: Float64Array): number {
  let best = 0;
  for (let j = 1; j < values.length; j++) if (values[j] > values[best]) best = j;
  return best;
}

export const adapterParameterCount = (adapter: TinyAdapter): number => adapterTensors(adapter).reduce((sum, tensor) => sum + tensor.data.length, 0);
