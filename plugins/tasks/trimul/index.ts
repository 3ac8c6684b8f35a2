import { readFileSync } from 'node:fs';
import { opaqueSeed } from '../../../core/opaque.ts';
import { sha256Hex } from '../../../core/hashing.ts';
import type { Perturbation, Task, TaskExample, TaskFactory } from '../../../core/ports/task.ts';
import { deriveSeed } from '../shared/random.ts';
import { readScaffoldDir } from '../shared/scaffold-files.ts';
import { hashVerifierSources } from '../shared/verifier-hash.ts';
import { labelFreeView, meanMetric, perturbedId } from '../shared/verdicts.ts';
import { nvccPath } from './compile.ts';
import { scoreTrimul, type TrimulGpuSettings } from './verifier.ts';

/** One row of data/trimul-shapes.json (GPU MODE's task.yml, MIT-era). */
export interface TrimulShapeSpec {
  seqlen: number;
  bs: number;
  dim: number;
  hiddendim: number;
  seed: number;
  nomask: boolean;
  distribution: 'normal' | 'cauchy';
}

const SHAPES = JSON.parse(readFileSync(new URL('./data/trimul-shapes.json', import.meta.url), 'utf8')) as {
  tests: TrimulShapeSpec[];
  benchmarks: TrimulShapeSpec[];
};

const DESCRIPTION = `trimul (GPU MODE bioml/trimul, H100): write CUDA for the forward pass of AlphaFold3's outgoing triangle
multiplicative update, float32 in and out (bf16/fp16 inside is allowed: the check is |out − ref| ≤ 2e-2 + 2e-2·|ref|).
  x̂ = LayerNorm_C(x);  L = (x̂ Wlpᵀ)·mask·σ(x̂ Wlgᵀ);  R = (x̂ Wrpᵀ)·mask·σ(x̂ Wrgᵀ);  G = σ(x̂ Wogᵀ)
  O[b,i,j,h] = Σ_k L[b,i,k,h]·R[b,j,k,h];  y = (LayerNorm_H(O)·G) Woutᵀ     x [B,N,N,C], mask [B,N,N], H = 128
Output: one CUDA source file (string) defining
  struct TrimulWeights { const float *norm_weight, *norm_bias, *left_proj, *right_proj, *left_gate, *right_gate,
                         *out_gate, *out_norm_weight, *out_norm_bias, *to_out; };   // Linear weights [out, in]
  extern "C" size_t trimul_scratch_bytes(int B, int N, int C, int H);
  extern "C" cudaError_t trimul_forward(const float* x, const float* mask, TrimulWeights w, float* y, float* scratch,
                                        int B, int N, int C, int H, cudaStream_t stream);
Input of an item: one shape {seqlen, bs, dim, hiddendim, nomask, distribution} (train: GPU MODE's 18 test shapes; dev:
its 7 benchmark shapes; holdout: the benchmark shapes with new seeds). The projections (12·B·N²·C·H FLOPs) dominate
the einsum (2·B·N³·H) at large C; fusing LayerNorm, the five projections and the gates, and running the GEMMs on
tensor cores in bf16 is the known winning recipe.
Metric here: the compile gate — nvcc -arch=sm_90a must compile the source, with no register spills, ≤ 255 registers
and ≤ 227 KB shared memory in every kernel (1 pass, 0 fail). Correctness and runtime (GPU MODE's reward,
scale/geomean µs) need an H100, which this verifier does not run; each verdict's detail says so.
The policy only chooses among candidate strings (guided choice), so the scaffold offers candidate settings.`;

/**
 * The label is the secret data seed a GPU run would combine with the public shape seed (GPU MODE Cantor-combines a
 * secret POPCORN_SEED), so outputs cannot be hard-coded; the compile gate itself needs no label.
 */
const example = (id: string, shape: TrimulShapeSpec, splitSeed: number): TaskExample => ({
  id,
  input: shape,
  label: { secretSeed: deriveSeed(splitSeed, `${id}:${shape.seed}`) },
});
const shapeId = (kind: string, index: number) => `trimul-${kind}-${index}`;

const perturbations: Perturbation[] = [
  {
    // New data seed for the same shape: a kernel may not depend on the values of one seed.
    name: 'reseed',
    apply: (item, seed) => {
      const shape = { ...(item.input as TrimulShapeSpec), seed: deriveSeed(seed, item.id) };
      return { id: perturbedId(item.id, 'reseed', seed), input: shape, label: item.label };
    },
  },
  {
    name: 'toggle-mask',
    apply: (item, seed) => {
      const shape = item.input as TrimulShapeSpec;
      return { id: perturbedId(item.id, 'toggle-mask', seed), input: { ...shape, nomask: !shape.nomask }, label: item.label };
    },
  },
];

/** Options: `nvcc` (path, or null for none; default $SIA_NVCC or /usr/local/bin/nvcc), `gpu` (default: whether SIA_TRIMUL_GPU is set). */
export const createTask: TaskFactory = (options) => {
  const settings: TrimulGpuSettings = {
    // `nvcc: null` says "no compiler here" (tests of the no-nvcc verdict); leaving it out finds the default one.
    nvcc: options && 'nvcc' in options ? (typeof options.nvcc === 'string' ? options.nvcc : null) : nvccPath(),
    gpuConfigured: typeof options?.gpu === 'boolean' ? options.gpu : Boolean(process.env.SIA_TRIMUL_GPU),
  };
  const sourceHash = hashVerifierSources('trimul', [new URL('./verifier.ts', import.meta.url), new URL('./compile.ts', import.meta.url)]);
  const task: Task = {
    id: 'trimul',
    description: DESCRIPTION,
    metric: { name: 'compile_gate', higherIsBetter: true, description: '1 when the CUDA source compiles for sm_90a without spills and within register/shared-memory limits, else 0 (no GPU timing)' },
    hardware: 'gpu',
    referenceScaffold: readScaffoldDir('trimul', new URL('./scaffold/', import.meta.url), 'solve.mjs'),
    // The secret data seeds are keyed by the experiment's secret, so they cannot be recomputed from the public seed.
    splits: (seed, secret = '') => {
      const dataSeed = secret ? opaqueSeed(secret, seed) : seed;
      return {
        train: SHAPES.tests.map((shape, index) => example(shapeId('test', index), shape, dataSeed)),
        dev: SHAPES.benchmarks.map((shape, index) => example(shapeId('benchmark', index), shape, dataSeed)),
        holdout: SHAPES.benchmarks.map((shape, index) =>
          example(`trimul-holdout-${seed}-${index}`, { ...shape, seed: deriveSeed(seed, `trimul-holdout-${index}`) }, dataSeed),
        ),
      };
    },
    view: labelFreeView,
    verifier: {
      hash: sha256Hex(`${sourceHash}:${JSON.stringify(settings)}`),
      score: (item, output) => scoreTrimul(item, output, settings),
    },
    aggregate: meanMetric,
    perturbations,
    knobs: {
      threads: [64, 128, 256],
      tile: [8, 16, 32],
      sharedTiling: [false, true],
      fuseProjections: [false, true],
      choose: ['tile', 'none'],
    },
    info: {
      source: 'GPU MODE reference-kernels problems/bioml/trimul task.yml (MIT-era commit bac0ffdd), see data/SOURCE.md',
      licence: 'MIT (shapes JSON); scaffold and verifier written by this project',
      tests: SHAPES.tests.length,
      benchmarks: SHAPES.benchmarks.length,
      nvcc: settings.nvcc ?? 'not found',
      gpu: settings.gpuConfigured ? 'SIA_TRIMUL_GPU set (GPU runs not implemented; compile gate only)' : 'none: compile gate only',
    },
  };
  return task;
};

export default createTask;

// What the shared contract treats as a perfect answer: the reference scaffold's CUDA source (it passes the gate).
const referenceModule: { kernelSource(tile: number): string } = await import(new URL('./scaffold/solve.mjs', import.meta.url).href);
const referenceCuda = referenceModule.kernelSource(16);
export const contractOptions = { labelToOutput: () => referenceCuda, fullReward: 1 };
