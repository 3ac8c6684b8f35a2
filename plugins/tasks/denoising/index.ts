import { sha256Hex } from '../../../core/hashing.ts';
import { ValidationError } from '../../../core/errors.ts';
import type { Splits, Task, TaskExample, TaskFactory } from '../../../core/ports/task.ts';
import { readScaffoldDir } from '../shared/scaffold-files.ts';
import { seededSplit, splitSizesFrom } from '../shared/splits.ts';
import { hashVerifierSources } from '../shared/verifier-hash.ts';
import { labelFreeView, meanMetric } from '../shared/verdicts.ts';
import { simulatedPool } from './data.ts';
import { denoisingPerturbations } from './perturbations.ts';
import { DEFAULT_POISSON_NORM_MIN, PARITY_POISSON_NORM_MIN, scoreDenoising, type DenoisingLabel } from './verifier.ts';

const DESCRIPTION = `Single-cell RNA-seq denoising scored by molecular cross-validation (OpenProblems task_denoising, as
TTT-Discover scores it), on SYNTHETIC data: each item is a small simulated UMI count matrix (60–150 cells × a few hundred
genes, about 80% zeros; low-rank logistic-normal expression, Poisson sampling). The molecules were split 90/10 at random;
the scaffold receives only the 90% train split.
Input: {cells, genes, counts} — counts is the train matrix, row-major (row = cell), length cells×genes.
Output: the denoised matrix, the same shape (flat row-major or one array per cell), non-negative and finite.
Metric: mse_norm = clip((base − mse)/base, 0, 1), where mse compares log1p(normalize_total(·, 1e4)) of the output with that
of the held-out 10% split and base is the mse of returning the train counts unchanged. The item scores 0 unless the
Poisson check passes (poisson_norm ≥ the task's threshold; OpenProblems' swapped argument order, which punishes mass on
test-zero entries), and 0 for non-finite, negative, missing or wrong-sized output, a value above the train total, or a cell
emptied to all zeros. Detail also reports mse_vs_lambda (error against the simulation's true rates).
The reference is MAGIC-style kNN diffusion; rounding the imputed counts to integers is known to help this metric.
The policy only chooses among candidate strings (guided choice), so the scaffold offers candidate settings.`;

/** Options: `train`, `dev`, `holdout` split sizes (default 8/6/6 datasets); `poissonNormMin` (default 0; 0.97 for parity). */
export const createTask: TaskFactory = (options) => {
  const sizes = splitSizesFrom(options, { train: 8, dev: 6, holdout: 6 });
  const poissonNormMin = options?.poissonNormMin ?? DEFAULT_POISSON_NORM_MIN;
  if (typeof poissonNormMin !== 'number' || !Number.isFinite(poissonNormMin)) {
    throw new ValidationError(`must be a finite number, got ${JSON.stringify(poissonNormMin)}`, 'options.poissonNormMin');
  }
  const splitCache = new Map<number, Splits>();
  const sourceHash = hashVerifierSources('denoising', [new URL('./verifier.ts', import.meta.url)]);
  const task: Task = {
    id: 'denoising',
    description: DESCRIPTION,
    metric: { name: 'mse_norm', higherIsBetter: true, description: 'normalised log-MSE gain over no_denoising on the held-out molecules; 0 if the Poisson check fails' },
    hardware: 'cpu',
    referenceScaffold: readScaffoldDir('denoising', new URL('./scaffold/', import.meta.url), 'solve.mjs'),
    splits: (seed) => {
      // Simulation takes ~10 ms a dataset; the loop asks for the same seed's splits many times.
      let splits = splitCache.get(seed);
      if (!splits) {
        splits = seededSplit(simulatedPool(seed, sizes.train + sizes.dev + sizes.holdout), seed, sizes);
        splitCache.set(seed, splits);
      }
      return splits;
    },
    view: labelFreeView,
    verifier: {
      // The threshold is scoring code too, so it is pinned with the source.
      hash: sha256Hex(`${sourceHash}:poissonNormMin=${poissonNormMin}`),
      score: (example, output) => scoreDenoising(example, output, poissonNormMin),
    },
    aggregate: meanMetric,
    // A denoised matrix is cells×genes floats: the largest item of seeds 0–9 (107,100 values) is at most 2.5 MiB of
    // JSON with every float at full length, the reference's unrounded answer 2.2 MiB: over the default 1 MiB.
    // 8 MiB leaves room for one array per cell, whitespace-free but verbose encodings, and larger split options.
    limits: { maxOutputJsonBytes: 8 * 1024 * 1024 },
    perturbations: denoisingPerturbations,
    // No canaries: the log-MSE rewards shrinkage against any sparse held-out split, so honest smoothing earns
    // mse_norm 0.06–0.09 even when the held-out molecules are unrelated to the train counts (measured with flat-rate
    // and foreign-dataset test splits); no item is unsolvable for an honest scaffold yet passable only by gaming.
    knobs: {
      k: [3, 5, 10, 15],
      t: [1, 2, 3, 4],
      order: ['normalize-sqrt', 'sqrt-normalize'],
      pcaComponents: [0, 10, 20, 50],
      decay: [1, 2, 5, 40],
      round: [false, true],
      choose: ['t', 'k', 'none'],
    },
    info: {
      synthetic: true,
      source: 'seeded simulation (reference/tasks.md (c) recipe); metric per OpenProblems task_denoising / TTT-Discover',
      licence: 'data generated by this project; metric fixture in data/SOURCE.md',
      poissonNormMin,
      parityPoissonNormMin: PARITY_POISSON_NORM_MIN,
      secondaryMetric: 'mse_vs_lambda and poisson_norm in verdict detail',
    },
  };
  return task;
};

export default createTask;

/** For the shared contract: perfect_denoising (returning the held-out split) is the label-equivalent answer. */
export const contractOptions = { labelToOutput: (example: TaskExample) => (example.label as DenoisingLabel).test };
