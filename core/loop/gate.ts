import type { GateComparison, Split } from '../events/index.ts';
import { mulberry32 } from '../random.ts';

export interface GateOptions {
  confidence: number;
  resamples: number;
  seed: number;
  /** The smallest mean gain worth keeping, on the reward scale. */
  minimumGain: number;
}

export const DEFAULT_GATE: GateOptions = { confidence: 0.9, resamples: 2000, seed: 0, minimumGain: 0 };

/**
 * The acceptance gate: pairs candidate and parent item by item, bootstraps the mean difference and keeps the
 * candidate only when the lower confidence bound is above zero (the gain is not noise).
 */
export function compareOnSplit(
  split: Split,
  parent: Record<string, number>,
  candidate: Record<string, number>,
  options: GateOptions = DEFAULT_GATE,
): GateComparison {
  const ids = Object.keys(parent)
    .filter((id) => id in candidate)
    .sort();
  const differences = ids.map((id) => candidate[id] - parent[id]);
  const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0);
  const meanDifference = mean(differences);
  const random = mulberry32(options.seed);
  const means: number[] = [];
  for (let r = 0; r < options.resamples && differences.length; r++) {
    let sum = 0;
    for (let i = 0; i < differences.length; i++) sum += differences[Math.floor(random() * differences.length)];
    means.push(sum / differences.length);
  }
  means.sort((a, b) => a - b);
  const tail = (1 - options.confidence) / 2;
  const quantile = (q: number) => (means.length ? means[Math.min(means.length - 1, Math.max(0, Math.floor(q * means.length)))] : 0);
  const lowerBound = quantile(tail);
  const upperBound = quantile(1 - tail);
  const accepted = ids.length > 0 && lowerBound > 0 && meanDifference > options.minimumGain;
  const reason =
    ids.length === 0
      ? 'no paired items to compare'
      : accepted
        ? `gain ${meanDifference.toFixed(4)} with ${Math.round(options.confidence * 100)}% lower bound ${lowerBound.toFixed(4)} > 0`
        : upperBound < 0
          ? `a loss of ${(-meanDifference).toFixed(4)} (${Math.round(options.confidence * 100)}% interval [${lowerBound.toFixed(4)}, ${upperBound.toFixed(4)}])`
          : `gain ${meanDifference.toFixed(4)} is within noise (${Math.round(options.confidence * 100)}% interval [${lowerBound.toFixed(4)}, ${upperBound.toFixed(4)}])`;
  return {
    split,
    n: ids.length,
    parentScore: mean(ids.map((id) => parent[id])),
    candidateScore: mean(ids.map((id) => candidate[id])),
    meanDifference,
    lowerBound,
    upperBound,
    confidence: options.confidence,
    resamples: options.resamples,
    seed: options.seed,
    accepted,
    reason,
  };
}
