/**
 * Loss aggregation over per-token losses, an explicit named choice (training-anchors.md §1, table "Aggregation").
 * Every mode is a weighted sum Σ c[i][t]·ℓ[i][t]; the weights c are also the gradient of the scalar w.r.t. each ℓ.
 */
import type { Aggregation } from '../ports/trainer.ts';

export type { Aggregation };

/**
 * The coefficient of each token's loss in the aggregate (0 where mask is 0).
 * - token_sum: 1 (Tinker sums token losses)
 * - token_mean: 1/(valid tokens in the batch) (verl default, TRL dapo/bnpo)
 * - seq_mean_token_mean: 1/(rows with a valid token × the row's valid tokens) (TRL grpo); empty rows do not count
 * - constant: 1/constant, the whole divisor (Dr.GRPO; TRL dr_grpo divides by rows × max completion length);
 *   null means rows × the longest row's length, as the gpu/ worker does with its padded batch.
 */
export function aggregationWeights(mask: readonly (readonly number[])[], mode: Aggregation, constant: number | null = null): number[][] {
  const validPerRow = mask.map((row) => row.reduce((count, m) => count + (m > 0 ? 1 : 0), 0));
  const validTotal = validPerRow.reduce((a, b) => a + b, 0);
  const nonEmptyRows = validPerRow.filter((count) => count > 0).length;
  const divisor = constant ?? mask.length * Math.max(0, ...mask.map((row) => row.length));
  return mask.map((row, i) =>
    row.map((m) => {
      if (m <= 0) return 0;
      switch (mode) {
        case 'token_sum':
          return 1;
        case 'token_mean':
          return 1 / validTotal;
        case 'seq_mean_token_mean':
          return 1 / (nonEmptyRows * validPerRow[i]);
        case 'constant':
          return 1 / divisor;
      }
    }),
  );
}

export function aggregate(
  losses: readonly (readonly number[])[],
  mask: readonly (readonly number[])[],
  mode: Aggregation,
  constant: number | null = null,
): number {
  const weights = aggregationWeights(mask, mode, constant);
  let total = 0;
  weights.forEach((row, i) => row.forEach((weight, t) => (total += weight === 0 ? 0 : weight * losses[i][t])));
  return total;
}
