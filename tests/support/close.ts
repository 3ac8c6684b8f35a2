import { expect } from 'vitest';

/** Element-wise |actual − expected| ≤ tolerance (the golden vectors are printed to 6 decimals). */
export function expectClose(actual: number | readonly number[], expected: number | readonly number[], tolerance = 1e-6): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  expect(a.length, 'length').toBe(e.length);
  a.forEach((value, i) => {
    if (Math.abs(value - e[i]) > tolerance) throw new Error(`index ${i}: got ${value}, expected ${e[i]} (±${tolerance}); full: [${a.join(', ')}]`);
  });
}
