/**
 * The trimul forward pass in float64, written for clarity, as the ground truth (reference/tasks.md (b)):
 *   x̂ = LayerNorm_C(x);  L = (x̂ Wlpᵀ)·mask·σ(x̂ Wlgᵀ);  R = (x̂ Wrpᵀ)·mask·σ(x̂ Wrgᵀ);  G = σ(x̂ Wogᵀ)
 *   O[b,i,j,h] = Σ_k L[b,i,k,h]·R[b,j,k,h];  y = (LayerNorm_H(O)·G) Woutᵀ
 */
import type { TrimulInputs } from './inputs.ts';

const EPS = 1e-5;
const sigmoid = (value: number) => 1 / (1 + Math.exp(-value));

function layerNorm(row: Float64Array, weight: Float32Array, bias: Float32Array): Float64Array {
  let mean = 0;
  for (const value of row) mean += value;
  mean /= row.length;
  let variance = 0;
  for (const value of row) variance += (value - mean) ** 2;
  const inverse = 1 / Math.sqrt(variance / row.length + EPS);
  return row.map((value, index) => (value - mean) * inverse * weight[index] + bias[index]);
}

function project(row: Float64Array, matrix: Float32Array, outputs: number): Float64Array {
  const out = new Float64Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let sum = 0;
    for (let index = 0; index < row.length; index++) sum += row[index] * matrix[o * row.length + index];
    out[o] = sum;
  }
  return out;
}

/** Float64 outputs at chosen (b, i, j) positions; only the rows those positions need are projected. */
export function referenceAt(inputs: TrimulInputs, positions: Array<[number, number, number]>): Float64Array[] {
  const { x, mask, weights, cfg } = inputs;
  const { N, C, H } = cfg;
  const projected = new Map<number, { left: Float64Array; right: Float64Array; gate: Float64Array }>();
  const pairRows = (pair: number) => {
    let rows = projected.get(pair);
    if (!rows) {
      const normed = layerNorm(Float64Array.from(x.subarray(pair * C, (pair + 1) * C)), weights.normWeight, weights.normBias);
      const [lp, lg, rp, rg, og] = [weights.leftProj, weights.leftGate, weights.rightProj, weights.rightGate, weights.outGate].map((matrix) =>
        project(normed, matrix, H),
      );
      rows = {
        left: lp.map((value, h) => value * mask[pair] * sigmoid(lg[h])),
        right: rp.map((value, h) => value * mask[pair] * sigmoid(rg[h])),
        gate: og.map(sigmoid),
      };
      projected.set(pair, rows);
    }
    return rows;
  };
  return positions.map(([b, i, j]) => {
    const mixed = new Float64Array(H);
    for (let k = 0; k < N; k++) {
      const left = pairRows((b * N + i) * N + k).left;
      const right = pairRows((b * N + j) * N + k).right;
      for (let h = 0; h < H; h++) mixed[h] += left[h] * right[h];
    }
    const gate = pairRows((b * N + i) * N + j).gate;
    const normed = layerNorm(mixed, weights.outNormWeight, weights.outNormBias).map((value, h) => value * gate[h]);
    return project(normed, weights.toOut, C);
  });
}

/** Every output position, [B,N,N,C] row-major. */
export function referenceTrimul(inputs: TrimulInputs): Float64Array {
  const { B, N, C } = inputs.cfg;
  const positions: Array<[number, number, number]> = [];
  for (let b = 0; b < B; b++) for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) positions.push([b, i, j]);
  const out = new Float64Array(B * N * N * C);
  referenceAt(inputs, positions).forEach((row, index) => out.set(row, index * C));
  return out;
}
