import { describe, expect, it } from 'vitest';
import { compareLogprobs, judgeServingParity, type ParityCheck, parityThreshold } from '../core/audit/serving-parity.ts';

const served = [-1.25, -0.5, -3.0000004];
const trained = [-1.2500002, -0.5, -3];

function recorded(adapterId: string, dtype: string, servedLogprobs: number[]): ParityCheck {
  return {
    experimentId: 'e',
    adapterId,
    servedName: adapterId,
    endpoint: 'http://x/v1',
    dtype,
    ...compareLogprobs(servedLogprobs, trained, dtype),
    skipped: null,
  };
}

describe('serving parity: served against trained logprobs of the same tokens', () => {
  it('thresholds follow the trainer dtype: 1e-3 for fp32/fp64, 0.1 for 16-bit or unknown', () => {
    expect([parityThreshold('float32'), parityThreshold('float64'), parityThreshold('bfloat16'), parityThreshold(null)]).toEqual([1e-3, 1e-3, 0.1, 0.1]);
  });

  it('compares token by token: max and mean absolute difference, passed within the threshold', () => {
    const result = compareLogprobs(served, trained, 'float32');
    expect(result.tokens).toBe(3);
    expect(result.maxAbsDiff).toBeCloseTo(4e-7, 9);
    expect(result.meanAbsDiff).toBeCloseTo(2e-7, 9);
    expect(result).toMatchObject({ threshold: 1e-3, passed: true });
    expect(compareLogprobs([], [], 'float32').passed).toBe(false);
  });

  it('the audit check passes when every recorded check passed', () => {
    const result = judgeServingParity([recorded('a1', 'float32', served), recorded('a2', 'bfloat16', [-1.3, -0.45, -3.05])]);
    expect(result).toMatchObject({ name: 'serving-parity', passed: true, findings: [], measurements: { applicable: true } });
    expect(result.summary).toMatch(/^served logprobs of 2 adapter\(s\) compared with the trainer's \(max \|diff\| 5\.00e-2\)$/);
  });

  it('fails with the adapter and its maxAbsDiff as evidence when one is over its threshold', () => {
    const bad = recorded('a-bad', 'float32', [-1.25, -0.5, -3.01]);
    const result = judgeServingParity([recorded('a1', 'float32', served), bad]);
    expect(result.passed).toBe(false);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0].message).toMatch(
      /^adapter a-bad: served logprobs differ from the trainer's by up to 1\.00e-2 over 3 tokens \(threshold 0\.001, float32\)/,
    );
    expect(result.findings[0].detail).toMatchObject({ adapterId: 'a-bad', threshold: 1e-3 });
    expect((result.findings[0].detail as { maxAbsDiff: number }).maxAbsDiff).toBeCloseTo(0.01, 6);
  });

  it('is not applicable (and passes) with nothing recorded; skipped checks are named, not failed', () => {
    const none = judgeServingParity([]);
    expect(none).toMatchObject({ passed: true, measurements: { applicable: false } });
    expect(none.summary).toMatch(/^not applicable/);
    const skipped: ParityCheck = {
      ...recorded('a3', 'float32', served),
      tokens: 0,
      maxAbsDiff: null,
      meanAbsDiff: null,
      passed: null,
      skipped: 'no scoring route',
    };
    const result = judgeServingParity([recorded('a1', 'float32', served), skipped]);
    expect(result.passed).toBe(true);
    expect(result.summary).toMatch(/^served logprobs of 1 adapter\(s\) compared .*; 1 skipped: no scoring route$/);
  });
});
