/**
 * Seeded inputs of the trimul forward pass, following GPU MODE's reference generator (reference/tasks.md (b)):
 * x ~ N(0,1) or Cauchy(0,2) = 2·tan(π(u−½)); mask Bernoulli(½) or all ones; projection weights N(0,1)/√H for the
 * C→H maps and N(0,1)/√C for to_out (H→C, as the reference scales it); LayerNorm weights and biases plain N(0,1).
 * Linear weights are row-major [out, in] like torch, so y = x @ Wᵀ.
 */
import { mulberry32 } from '../shared/random.ts';

export interface TrimulShape {
  batch: number;
  seqLen: number;
  dim: number;
  hidden: number;
  distribution: 'normal' | 'cauchy';
  masked: boolean;
}

export interface TrimulWeights {
  normWeight: Float32Array;
  normBias: Float32Array;
  leftProj: Float32Array;
  rightProj: Float32Array;
  leftGate: Float32Array;
  rightGate: Float32Array;
  outGate: Float32Array;
  outNormWeight: Float32Array;
  outNormBias: Float32Array;
  toOut: Float32Array;
}

export interface TrimulConfig {
  B: number;
  N: number;
  C: number;
  H: number;
}

export interface TrimulInputs {
  x: Float32Array;
  mask: Float32Array;
  weights: TrimulWeights;
  cfg: TrimulConfig;
}

export function configOf(shape: TrimulShape): TrimulConfig {
  return { B: shape.batch, N: shape.seqLen, C: shape.dim, H: shape.hidden };
}

export function generateInputs(shape: TrimulShape, seed: number): TrimulInputs {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const cauchy = () => 2 * Math.tan(Math.PI * (random() - 0.5));
  const fill = (length: number, draw: () => number, scale = 1) => Float32Array.from({ length }, () => draw() * scale);
  const cfg = configOf(shape);
  const { B, N, C, H } = cfg;
  const x = fill(B * N * N * C, shape.distribution === 'cauchy' ? cauchy : normal);
  const mask = shape.masked ? fill(B * N * N, () => (random() < 0.5 ? 0 : 1)) : new Float32Array(B * N * N).fill(1);
  const projection = () => fill(H * C, normal, 1 / Math.sqrt(H));
  const weights: TrimulWeights = {
    normWeight: fill(C, normal),
    normBias: fill(C, normal),
    leftProj: projection(),
    rightProj: projection(),
    leftGate: projection(),
    rightGate: projection(),
    outGate: projection(),
    outNormWeight: fill(H, normal),
    outNormBias: fill(H, normal),
    toOut: fill(C * H, normal, 1 / Math.sqrt(C)),
  };
  return { x, mask, weights, cfg };
}
