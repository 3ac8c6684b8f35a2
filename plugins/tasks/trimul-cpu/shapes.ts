import type { TrimulShape } from './inputs.ts';

const shape = (batch: number, seqLen: number, dim: number, hidden: number, distribution: 'normal' | 'cauchy', masked: boolean): TrimulShape => ({
  batch,
  seqLen,
  dim,
  hidden,
  distribution,
  masked,
});

/** Correctness shapes: small enough for the float64 reference to check every output (< 0.3 s each). */
export const TEST_SHAPES: TrimulShape[] = [
  shape(1, 8, 16, 16, 'normal', false),
  shape(2, 8, 32, 16, 'normal', true),
  shape(1, 16, 32, 32, 'cauchy', false),
  shape(2, 16, 16, 16, 'normal', true),
  shape(1, 24, 64, 32, 'normal', false),
  shape(1, 32, 32, 16, 'cauchy', true),
  shape(1, 32, 16, 32, 'normal', true),
  shape(1, 48, 32, 16, 'cauchy', false),
];

/**
 * Timed shapes, checked at sampled output positions. Smaller than reference/tasks.md's examples so one evaluation
 * stays near 3 s with the reference kernel on a 2-core machine; like the GPU problem, the projections (10·N²·C·H)
 * outweigh the einsum (2·N³·H) when C is large.
 */
export const BENCHMARK_SHAPES: TrimulShape[] = [
  shape(1, 48, 64, 32, 'normal', false),
  shape(1, 64, 32, 32, 'cauchy', false),
  shape(1, 96, 32, 16, 'normal', true),
  shape(1, 48, 128, 32, 'normal', true),
  shape(1, 80, 64, 16, 'normal', false),
];
