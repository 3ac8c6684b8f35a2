import type { EventData } from '../events/index.ts';
import { type AuditFinding, type CheckResult, checkResult } from './verdict.ts';

export type ParityCheck = EventData<'serving.parity_checked'>;

/**
 * How far served and trained logprobs of the same tokens may drift: fp32/fp64 differ only by kernel rounding
 * (measured ~5e-7 on CPU); 16-bit weights and activations round at ~1e-2 per step, so 0.1 there.
 */
export function parityThreshold(dtype: string | null): number {
  return dtype === 'float32' || dtype === 'float64' ? 1e-3 : 0.1;
}

/** |served − trained| per token, summarised against the dtype's threshold. */
export function compareLogprobs(served: number[], trained: number[], dtype: string | null) {
  const gaps = served.map((value, index) => Math.abs(value - (trained[index] as number)));
  const maxAbsDiff = gaps.length ? Math.max(...gaps) : 0;
  const meanAbsDiff = gaps.length ? gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length : 0;
  const threshold = parityThreshold(dtype);
  return { tokens: gaps.length, maxAbsDiff, meanAbsDiff, threshold, passed: gaps.length > 0 && maxAbsDiff <= threshold };
}

/**
 * The serving-parity audit check over every recorded serving.parity_checked: fails on any measured check over
 * its threshold; skipped ones are named in the summary (nothing measured is not evidence either way); none
 * recorded is "not applicable" (an in-process policy, or no adapter served yet) and passes.
 */
export function judgeServingParity(checks: ParityCheck[]): CheckResult {
  const measured = checks.filter((check) => check.skipped === null);
  const skipped = checks.length - measured.length;
  const findings: AuditFinding[] = measured
    .filter((check) => !check.passed)
    .map((check) => ({
      nodeId: null,
      message: `adapter ${check.adapterId}: served logprobs differ from the trainer's by up to ${check.maxAbsDiff?.toExponential(2)} over ${check.tokens} tokens (threshold ${check.threshold}, ${check.dtype ?? 'unknown dtype'})`,
      detail: { adapterId: check.adapterId, maxAbsDiff: check.maxAbsDiff, meanAbsDiff: check.meanAbsDiff, threshold: check.threshold },
    }));
  const worst = measured.reduce((max, check) => Math.max(max, check.maxAbsDiff ?? 0), 0);
  const summary =
    checks.length === 0
      ? 'not applicable: no serving-parity check recorded (in-process policy, or no adapter served)'
      : `served logprobs of ${measured.length} adapter(s) compared with the trainer's (max |diff| ${worst.toExponential(2)})` +
        (skipped ? `; ${skipped} skipped: ${[...new Set(checks.flatMap((check) => (check.skipped ? [check.skipped] : [])))].join('; ')}` : '');
  return checkResult('serving-parity', summary, findings, {
    applicable: checks.length > 0,
    checks: checks.map(({ adapterId, tokens, maxAbsDiff, meanAbsDiff, threshold, passed, skipped: reason }) => ({
      adapterId,
      tokens,
      maxAbsDiff,
      meanAbsDiff,
      threshold,
      passed,
      skipped: reason,
    })),
  });
}
