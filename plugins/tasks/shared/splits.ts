import { ValidationError } from '../../../core/errors.ts';
import type { Splits, TaskExample } from '../../../core/ports/task.ts';
import { seededShuffle } from './random.ts';

export interface SplitSizes {
  train: number;
  dev: number;
  holdout: number;
}

/** Reads `train`/`dev`/`holdout` overrides from factory options, naming the bad option. */
export function splitSizesFrom(options: Record<string, unknown> | undefined, defaults: SplitSizes): SplitSizes {
  const sizes = { ...defaults };
  for (const key of ['train', 'dev', 'holdout'] as const) {
    const value = options?.[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ValidationError(`must be a positive integer, got ${JSON.stringify(value)}`, `options.${key}`);
    }
    sizes[key] = value;
  }
  return sizes;
}

/** Call in the factory so oversized splits fail when the task loads, not at the first run. */
export function assertSizesFit(sizes: SplitSizes, poolSize: number): void {
  const needed = sizes.train + sizes.dev + sizes.holdout;
  if (needed > poolSize) {
    throw new ValidationError(`split sizes need ${needed} items but the data has ${poolSize}`, 'options');
  }
}

/** Shuffles one pool with the seed and cuts it into disjoint train/dev/holdout slices. */
export function seededSplit(pool: readonly TaskExample[], seed: number, sizes: SplitSizes): Splits {
  assertSizesFit(sizes, pool.length);
  const needed = sizes.train + sizes.dev + sizes.holdout;
  const shuffled = seededShuffle(pool, seed);
  return {
    train: shuffled.slice(0, sizes.train),
    dev: shuffled.slice(sizes.train, sizes.train + sizes.dev),
    holdout: shuffled.slice(sizes.train + sizes.dev, needed),
  };
}
