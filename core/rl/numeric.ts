/** Small float64 helpers shared by the RL kernels (no IO, no randomness). */

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : sum(values) / values.length;
}

/** Bessel-corrected (n−1) standard deviation, as torch.std and TRL's nanstd; 0 for fewer than two values. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const centre = mean(values);
  let squares = 0;
  for (const value of values) squares += (value - centre) ** 2;
  return Math.sqrt(squares / (values.length - 1));
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log σ(x) without overflow for large |x|. */
export function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
}

export function logSumExp(values: readonly number[]): number {
  const peak = Math.max(...values);
  if (!Number.isFinite(peak)) return peak;
  let total = 0;
  for (const value of values) total += Math.exp(value - peak);
  return peak + Math.log(total);
}

export function clamp(x: number, low: number, high: number): number {
  return Math.min(Math.max(x, low), high);
}

/** True when every value equals the first (a constant reward group carries no relative signal). */
export function allEqual(values: readonly number[]): boolean {
  return values.every((value) => value === values[0]);
}
