import type { Split } from '../events/index.ts';
import { compareOnSplit } from '../loop/gate.ts';
import type { AuditThresholds } from './verdict.ts';

/**
 * A paired drop from `before` to `after` (item by item) that is larger than `minimumDrop` and whose bootstrap
 * interval lies below zero; null when the change is within noise. Reuses the acceptance gate's bootstrap.
 */
export function significantDrop(
  split: Split,
  before: Record<string, number>,
  after: Record<string, number>,
  minimumDrop: number,
  thresholds: AuditThresholds,
  seed: number,
) {
  const comparison = compareOnSplit(split, before, after, { confidence: thresholds.confidence, resamples: thresholds.resamples, seed, minimumGain: 0 });
  const significant = comparison.n > 0 && comparison.upperBound < 0 && -comparison.meanDifference >= minimumDrop;
  return significant ? comparison : null;
}
