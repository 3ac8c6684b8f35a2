import { ValidationError } from '../../../core/errors.ts';
import { opaqueSeed } from '../../../core/opaque.ts';
import { sha256Hex } from '../../../core/hashing.ts';
import type { Perturbation, Task, TaskExample, TaskFactory } from '../../../core/ports/task.ts';
import { deriveSeed } from '../shared/random.ts';
import { readScaffoldDir } from '../shared/scaffold-files.ts';
import { hashVerifierSources } from '../shared/verifier-hash.ts';
import { labelFreeView, meanMetric, perturbedId } from '../shared/verdicts.ts';
import { BENCHMARK_SHAPES, TEST_SHAPES } from './shapes.ts';
import { scoreTrimulCpu, type TrimulCpuInput, type TrimulCpuSettings } from './verifier.ts';

const DESCRIPTION = `trimul-cpu: write a fast, correct CPU kernel, in JavaScript, for the forward pass of AlphaFold3's outgoing
triangle multiplicative update (the CPU twin of the GPU MODE "trimul" problem).
Output: JavaScript ES module source exporting \`trimul(x, mask, weights, cfg) -> Float32Array\`, where cfg = {B, N, C, H};
x is Float32Array [B,N,N,C]; mask Float32Array [B,N,N] of 0/1; weights = {normWeight, normBias (C), leftProj, rightProj,
leftGate, rightGate, outGate ([H,C] row-major, torch Linear layout: y = x Wᵀ), outNormWeight, outNormBias (H), toOut [C,H]}.
  x̂ = LayerNorm_C(x; normWeight, normBias, eps 1e-5)
  L = (x̂ leftProjᵀ)·mask·σ(x̂ leftGateᵀ);  R = (x̂ rightProjᵀ)·mask·σ(x̂ rightGateᵀ);  G = σ(x̂ outGateᵀ)
  O[b,i,j,h] = Σ_k L[b,i,k,h]·R[b,j,k,h]
  y = (LayerNorm_H(O; outNormWeight, outNormBias)·G) toOutᵀ        → Float32Array [B,N,N,C]
Input of an item: {tests, benchmarks} — the shapes {batch, seqLen, dim, hidden, distribution, masked} it is scored on;
the data itself is generated from a secret seed (normal or Cauchy(0,2) x, Bernoulli(½) masks).
Metric: reward = ${'${scale}'} / geomean_ms over the benchmark shapes (median of several timed calls each), and 0 if any
output differs from a float64 reference by more than 2e-2 + 2e-2·|ref| (NaN/inf positions must match), on any
error, timeout or heap overflow. The kernel runs in a separate node process that may not read other files, write
files or spawn processes. Known wins: a k-contiguous einsum (transpose L and R), fusing LayerNorm into the
projections, reusing scratch buffers, fusing the five projections; float32 is allowed.
The policy only chooses among candidate strings (guided choice), so the scaffold offers candidate variants.`;

const positiveInteger = (options: Record<string, unknown> | undefined, key: string, fallback: number): number => {
  const value = options?.[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`must be a positive integer, got ${JSON.stringify(value)}`, `options.${key}`);
  }
  return value;
};

function evaluationItem(id: string, seed: number): TaskExample {
  return { id, input: { tests: TEST_SHAPES, benchmarks: BENCHMARK_SHAPES } satisfies TrimulCpuInput, label: { seed } };
}

/** Same shapes, fresh secret data: a kernel must not depend on the item id or on one seed's values. */
const perturbations: Perturbation[] = [
  {
    name: 'reseed',
    apply: (example, seed) => ({ ...example, id: perturbedId(example.id, 'reseed', seed), label: { seed: deriveSeed(seed, example.id) } }),
  },
  {
    name: 'reorder-shapes',
    apply: (example, seed) => {
      const input = example.input as TrimulCpuInput;
      return { ...example, id: perturbedId(example.id, 'reorder-shapes', seed), input: { tests: [...input.tests].reverse(), benchmarks: [...input.benchmarks].reverse() } };
    },
  },
];

/**
 * Options: `train`, `dev`, `holdout` (evaluation seeds per split, default 3/2/2), `runs` (timed calls per shape,
 * default 3), `scale` (default 100, so the reference kernel scores about 0.5–1 on a 2-core machine), `timeMs`
 * (default 120000) and `memoryMb` (default 512) for the kernel process.
 */
export const createTask: TaskFactory = async (options) => {
  const sizes = { train: positiveInteger(options, 'train', 3), dev: positiveInteger(options, 'dev', 2), holdout: positiveInteger(options, 'holdout', 2) };
  const referenceScaffold = readScaffoldDir('trimul-cpu', new URL('./scaffold/', import.meta.url), 'solve.mjs');
  const settings: TrimulCpuSettings = {
    runs: positiveInteger(options, 'runs', 3),
    scale: positiveInteger(options, 'scale', 100),
    timeMs: positiveInteger(options, 'timeMs', 120_000),
    memoryMb: positiveInteger(options, 'memoryMb', 512),
    // The speed-up in detail is measured against what the reference scaffold's own CONFIG produces.
    referenceSource: referenceKernel,
  };
  const verifierFiles = ['./verifier.ts', './reference.ts', './inputs.ts', './shapes.ts', './run-kernel.ts', './runner.mjs'];
  const sourceHash = hashVerifierSources('trimul-cpu', verifierFiles.map((file) => new URL(file, import.meta.url)));
  // The data seeds are keyed by the experiment's secret: no scaffold can recompute them from the public seed.
  const items = (seed: number, secret: string, split: string, count: number) =>
    Array.from({ length: count }, (_, index) => evaluationItem(`trimul-cpu-${split}-${seed}-${index}`, deriveSeed(secret ? opaqueSeed(secret, seed) : seed, `trimul-cpu-${split}-${index}`)));
  const task: Task = {
    id: 'trimul-cpu',
    description: DESCRIPTION.replace('${scale}', String(settings.scale)),
    metric: { name: 'speed_reward', higherIsBetter: true, description: `${settings.scale} / geomean_ms over benchmark shapes; 0 on any incorrect output or failure` },
    hardware: 'cpu',
    referenceScaffold,
    splits: (seed, secret = '') => ({ train: items(seed, secret, 'train', sizes.train), dev: items(seed, secret, 'dev', sizes.dev), holdout: items(seed, secret, 'holdout', sizes.holdout) }),
    view: labelFreeView,
    verifier: {
      hash: sha256Hex(`${sourceHash}:${JSON.stringify({ ...settings, referenceSource: sha256Hex(settings.referenceSource) })}`),
      score: (example, output) => scoreTrimulCpu(example, output, settings),
    },
    aggregate: meanMetric,
    perturbations,
    knobs: {
      einsum: ['strided', 'hInner', 'transposed'],
      fuseLayerNorm: [false, true],
      reuseBuffers: [false, true],
      choose: ['einsum', 'none'],
    },
    info: {
      synthetic: true,
      source: 'CPU analogue of GPU MODE trimul (reference/tasks.md (b)); inputs generated from seeds, float64 reference written by us',
      testShapes: TEST_SHAPES.length,
      benchmarkShapes: BENCHMARK_SHAPES.length,
      sandbox: 'the scaffold OS sandbox (bubblewrap or unshare: no network, runs as nobody, its folder read-only) with Node permissions inside; fresh inputs every call, timed and checked by the parent',
    },
  };
  return task;
};

export default createTask;

// What the shared contract treats as a perfect answer: the reference kernel (correct, so reward > 0; speed varies
// by machine, hence the low bar). Two samples (the aggregate check needs two), perturbed items unscored: each
// verification times five shapes.
const referenceModule: { kernelSource(einsum: string): string } = await import(new URL('./scaffold/solve.mjs', import.meta.url).href);
const referenceKernel = referenceModule.kernelSource('strided');
export const contractOptions = { labelToOutput: () => referenceKernel, fullReward: 0.001, sampleSize: 2, scorePerturbed: false };
