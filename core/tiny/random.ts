/**
 * Seeded randomness for the tiny policy (core/ takes no ambient randomness): the project's mulberry32 stream
 * (core/random.ts) with a Box–Muller normal on top, so sampling and weight init are reproducible from the seed.
 */
import { mulberry32 } from '../random.ts';

export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

export function seededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed);
  const normal = (): number => {
    const u = 1 - next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}

/** Fisher–Yates on a copy, drawing from a stream the caller already has. */
export function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Derives an independent seed for a named purpose (the tiny model's own mixing, kept apart from core/random's
 * deriveSeed because base weights and every recorded adapter were made with it).
 */
export function deriveSeed(seed: number, purpose: string): number {
  let hash = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) hash = Math.imul(hash ^ purpose.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
