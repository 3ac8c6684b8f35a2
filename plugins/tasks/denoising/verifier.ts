/**
 * Molecular cross-validation metrics of OpenProblems' denoising task, as TTT-Discover scores them (reference/tasks.md (c)).
 * The scaffold saw only the 90% train split; the verifier compares its denoised matrix with the held-out 10% test split:
 *   mse      = mean over cells×genes of (log1p(normalize_total(T, 1e4)) − log1p(normalize_total(D, 1e4)))²
 *   poisson  = mean(T − D'·ln(T + 1e-6)), D' = D·sum(T)/sum(train)   (the swapped argument order all three codebases use)
 *   mse_norm = clip((base − mse)/(base − 0), 0, 1), base = mse of no_denoising (D = train) on the same dataset
 * The reward is mse_norm, but 0 unless poisson_norm = (base_p − p)/(base_p − perfect_p) ≥ poissonNormMin, and 0 for an
 * output that is missing, the wrong size, non-finite, negative, or whose max exceeds the train total. One reject is
 * ours, not the original's: a cell with train counts but an all-zero output row, because the swapped Poisson order
 * and the row normalisation together reward emptying cells (an all-zero matrix passes poisson_norm 0.95 and earns
 * mse_norm 0.07 on the fixture).
 * mse_vs_lambda (the same log-normalised error against the simulation's true rates) goes in detail only: the MCV
 * metric is not minimised by the truth, so the pair exposes sparsity-matching tricks.
 * Self-contained on purpose: its source is hashed into every reward event.
 */
import type { TaskExample, Verdict } from '../../../core/ports/task.ts';

/** A dense cells×genes matrix, row-major (row = cell). */
export interface CountMatrix {
  cells: number;
  genes: number;
  values: ArrayLike<number>;
}

export interface DenoisingInput {
  cells: number;
  genes: number;
  /** Train counts (90% of molecules), row-major cells×genes. */
  counts: number[];
}

export interface DenoisingLabel {
  /** Held-out test counts (10% of molecules), row-major. */
  test: number[];
  /** The simulation's true Poisson rates of the full matrix, row-major. */
  lambda: number[];
}

export const TARGET_SUM = 1e4;
/** TTT-Discover's hard constraint on real pancreas data; see DEFAULT_POISSON_NORM_MIN for the simulated default. */
export const PARITY_POISSON_NORM_MIN = 0.97;
/**
 * On small simulated datasets the Poisson check is dominated by a few high-count genes: MAGIC scores 0.3–0.8 and
 * never 0.97, so the default constraint is "no worse than no_denoising" (poisson_norm ≥ 0).
 */
export const DEFAULT_POISSON_NORM_MIN = 0;

/** log1p(normalize_total(row, 1e4)) for every row; a row summing to 0 stays 0. */
function logNormalized(matrix: CountMatrix): Float64Array {
  const { cells, genes, values } = matrix;
  const out = new Float64Array(cells * genes);
  for (let cell = 0; cell < cells; cell++) {
    let total = 0;
    for (let gene = 0; gene < genes; gene++) total += values[cell * genes + gene];
    if (total <= 0) continue;
    const scale = TARGET_SUM / total;
    for (let gene = 0; gene < genes; gene++) out[cell * genes + gene] = Math.log1p(values[cell * genes + gene] * scale);
  }
  return out;
}

export function mseLogNormalized(truth: CountMatrix, denoised: CountMatrix): number {
  const left = logNormalized(truth);
  const right = logNormalized(denoised);
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += (left[index] - right[index]) ** 2;
  return sum / left.length;
}

const total = (values: ArrayLike<number>) => {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index];
  return sum;
};

export function poissonLoss(test: ArrayLike<number>, denoised: ArrayLike<number>, trainSum: number): number {
  const scale = total(test) / trainSum;
  let sum = 0;
  for (let index = 0; index < test.length; index++) sum += test[index] - denoised[index] * scale * Math.log(test[index] + 1e-6);
  return sum / test.length;
}

/** Accepts a flat row-major array of cells×genes numbers or an array of `cells` rows; anything else is null. */
export function readDenoised(output: unknown, cells: number, genes: number): number[] | null {
  const flat = Array.isArray(output) && output.every(Array.isArray) && output.length === cells ? output.flat() : output;
  if (!Array.isArray(flat) || flat.length !== cells * genes) return null;
  return flat.every((value) => typeof value === 'number') ? (flat as number[]) : null;
}

function emptiedCell(counts: number[], denoised: number[], cells: number, genes: number): number {
  for (let cell = 0; cell < cells; cell++) {
    let train = 0;
    let output = 0;
    for (let gene = 0; gene < genes; gene++) {
      train += counts[cell * genes + gene];
      output += denoised[cell * genes + gene];
    }
    if (train > 0 && output === 0) return cell;
  }
  return -1;
}

function rejected(reason: string, detail: Record<string, unknown> = {}): Verdict {
  return { reward: 0, metric: 0, detail: { rejected: reason, ...detail } };
}

export function scoreDenoising(example: TaskExample, output: unknown, poissonNormMin = DEFAULT_POISSON_NORM_MIN): Verdict {
  const { cells, genes, counts } = example.input as DenoisingInput;
  const { test, lambda } = example.label as DenoisingLabel;
  const denoised = readDenoised(output, cells, genes);
  if (!denoised) return rejected(`output must be ${cells}×${genes} numbers (flat row-major or one array per cell)`);
  const trainSum = total(counts);
  let max = -Infinity;
  for (const value of denoised) {
    if (!Number.isFinite(value)) return rejected('non-finite value');
    if (value < 0) return rejected('negative value');
    if (value > max) max = value;
  }
  if (max > trainSum) return rejected('max exceeds the train total', { max, trainSum });
  const emptied = emptiedCell(counts, denoised, cells, genes);
  if (emptied >= 0) return rejected(`cell ${emptied} has train counts but an all-zero output row`);

  const testMatrix = { cells, genes, values: test };
  const mse = mseLogNormalized(testMatrix, { cells, genes, values: denoised });
  const baseMse = mseLogNormalized(testMatrix, { cells, genes, values: counts });
  const msenorm = Math.min(1, Math.max(0, baseMse > 0 ? (baseMse - mse) / baseMse : 0));
  const poisson = poissonLoss(test, denoised, trainSum);
  const basePoisson = poissonLoss(test, counts, trainSum);
  const perfectPoisson = poissonLoss(test, test, trainSum);
  const poissonNorm = (basePoisson - poisson) / (basePoisson - perfectPoisson);
  const poissonPassed = poissonNorm >= poissonNormMin;
  const detail = {
    mse,
    baseMse,
    mse_norm: msenorm,
    poisson,
    basePoisson,
    perfectPoisson,
    poisson_norm: poissonNorm,
    poissonPassed,
    mse_vs_lambda: mseLogNormalized({ cells, genes, values: lambda }, { cells, genes, values: denoised }),
    ...(poissonPassed ? {} : { rejected: `poisson_norm ${poissonNorm.toFixed(4)} < ${poissonNormMin}` }),
  };
  return { reward: poissonPassed ? msenorm : 0, metric: poissonPassed ? msenorm : 0, detail };
}
