import type { TaskExample } from '../../../core/ports/task.ts';
import { deriveSeed, mulberry32 } from '../shared/random.ts';
import { simulateDataset, type SimulationSettings } from './simulate.ts';

/**
 * One example = one small simulated dataset. Sizes vary per item (60–150 cells, 500–1,000 simulated genes, about
 * 75% kept after dropping genes with no train counts) so a harness cannot hard-code a shape. Log-library mean 6 and
 * baseline sd 2.5 give about 80% zeros; sparser or heavier-tailed settings make the Poisson check swing below 0 on
 * datasets dominated by a few genes (measured: sd 3 / mean 6.5 failed 3 of 14 items for every MAGIC setting).
 */
export function settingsFor(seed: number): SimulationSettings {
  const random = mulberry32(deriveSeed(seed, 'denoising-settings'));
  return {
    cells: 60 + Math.floor(random() * 91),
    genes: 500 + Math.floor(random() * 501),
    cellTypes: 3 + Math.floor(random() * 4),
    programRank: 3,
    baselineSd: 2.5,
    logLibraryMean: 6,
  };
}

export function simulatedExample(id: string, seed: number): TaskExample {
  const { input, label, zeroFraction } = simulateDataset(seed, settingsFor(seed));
  return { id, input: { ...input, zeroFraction: Number(zeroFraction.toFixed(4)) }, label };
}

/** The pool for one split seed: `count` datasets, each from its own derived seed. */
export function simulatedPool(seed: number, count: number): TaskExample[] {
  return Array.from({ length: count }, (_, index) => simulatedExample(`denoising-${seed}-${index}`, deriveSeed(seed, `denoising-${index}`)));
}
