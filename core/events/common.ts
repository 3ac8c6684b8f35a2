import { z } from 'zod';

export const Split = z.enum(['train', 'dev', 'holdout']);
export type Split = z.infer<typeof Split>;

export const Mode = z.enum(['h', 'w+h']);
export type Mode = z.infer<typeof Mode>;

/** sha256 hex of some bytes: blobs, files, verifier sources, prompts. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');

export const Usage = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Money where the provider has prices; null where it does not. */
  costUsd: z.number().nonnegative().nullable(),
});
export type Usage = z.infer<typeof Usage>;

/** The acceptance gate's paired comparison of a candidate with its parent on dev. */
export const GateComparison = z.object({
  split: Split,
  n: z.number().int().nonnegative(),
  parentScore: z.number(),
  candidateScore: z.number(),
  meanDifference: z.number(),
  lowerBound: z.number(),
  upperBound: z.number(),
  confidence: z.number(),
  resamples: z.number().int().positive(),
  seed: z.number().int(),
  accepted: z.boolean(),
  reason: z.string(),
});
export type GateComparison = z.infer<typeof GateComparison>;

export const Json = z.unknown();
