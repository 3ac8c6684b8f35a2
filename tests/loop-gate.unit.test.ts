import { describe, expect, it } from 'vitest';
import { diffFiles } from '../core/diff.ts';
import { compareOnSplit, DEFAULT_GATE } from '../core/loop/gate.ts';

const items = (values: number[]) => Object.fromEntries(values.map((value, i) => [`e${i}`, value]));

describe('the acceptance gate', () => {
  it('keeps a clear paired gain and records the interval and seed', () => {
    const parent = items(Array.from({ length: 60 }, (_, i) => (i % 4 === 0 ? 1 : 0)));
    const candidate = items(Array.from({ length: 60 }, (_, i) => (i % 4 === 0 || i % 4 === 1 ? 1 : 0)));
    const result = compareOnSplit('dev', parent, candidate, { ...DEFAULT_GATE, seed: 3 });
    expect(result).toMatchObject({ accepted: true, n: 60, seed: 3, meanDifference: 0.25 });
    expect(result.lowerBound).toBeGreaterThan(0);
    expect(compareOnSplit('dev', parent, candidate, { ...DEFAULT_GATE, seed: 3 })).toEqual(result);
  });

  it('rejects a gain that is noise, and a loss', () => {
    const parent = items([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    const noisy = items([0, 1, 1, 0, 1, 0, 1, 1, 0, 0]);
    expect(compareOnSplit('dev', parent, noisy).accepted).toBe(false);
    expect(compareOnSplit('dev', parent, items([0, 0, 0, 0, 0, 0, 0, 0, 0, 0])).accepted).toBe(false);
    expect(compareOnSplit('dev', {}, {})).toMatchObject({ accepted: false, n: 0, reason: 'no paired items to compare' });
  });

  it('pairs by item id, ignoring items only one side has', () => {
    const result = compareOnSplit('dev', { a: 0, b: 0, c: 0 }, { b: 1, c: 1, d: 1 });
    expect(result.n).toBe(2);
    expect(result.meanDifference).toBe(1);
  });
});

describe('scaffold diffs', () => {
  it('shows changed lines with context, added and removed files', () => {
    const before = { 'solve.mjs': 'a\nb\nc\nd\ne\nf\ng\nh\n', 'old.mjs': 'x\n' };
    const after = { 'solve.mjs': 'a\nb\nc\nD\ne\nf\ng\nh\n', 'new.mjs': 'y\n' };
    const diff = diffFiles(before, after);
    expect(diff).toContain('--- a/solve.mjs\n+++ b/solve.mjs\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n');
    expect(diff).toContain('--- /dev/null\n+++ b/new.mjs');
    expect(diff).toContain('--- a/old.mjs\n+++ /dev/null');
    expect(diffFiles(before, before)).toBe('');
  });
});
