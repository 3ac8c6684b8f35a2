/**
 * Seeded simulation of scRNA-seq-like UMI counts (SYNTHETIC, reference/tasks.md (c) recipe), split by molecular
 * cross-validation. Real OpenProblems datasets are not available offline; MCV is defined for any Poisson-sampled
 * counts, so the task's metric and split apply unchanged, and the simulation's true rates λ give a second error.
 */
import { mulberry32 } from '../shared/random.ts';
import type { DenoisingInput, DenoisingLabel } from './verifier.ts';

export interface SimulationSettings {
  cells: number;
  genes: number;
  cellTypes: number;
  programRank: number;
  /** Standard deviation of the gene log-baseline: large values give a few dominant genes and many rare ones. */
  baselineSd: number;
  /** Mean of log library size; tuned so about 90% of the entries are zero, like real droplet data. */
  logLibraryMean: number;
}

/** Gaussian by Box–Muller (one of the pair; the simulation is not hot enough to keep the other). */
export function normalSampler(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Poisson: Knuth's product method for small rates, PTRS (Hörmann 1993) rejection for large ones. */
export function poissonSample(rate: number, random: () => number): number {
  if (rate < 30) {
    const limit = Math.exp(-rate);
    let count = 0;
    for (let product = random(); product > limit; product *= random()) count++;
    return count;
  }
  const slam = Math.sqrt(rate);
  const logRate = Math.log(rate);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + rate + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b) <= -rate + k * logRate - logFactorial(k)) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 20) {
    let value = 0;
    for (let index = 2; index <= k; index++) value += Math.log(index);
    return value;
  }
  // Stirling series, exact to ~1e-10 for k ≥ 20.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k ** 3);
}

export interface SimulatedDataset {
  input: DenoisingInput;
  label: DenoisingLabel;
  zeroFraction: number;
}

/** λ = library · softmax_g(baseline + cell-type markers + low-rank programs); X ~ Poisson(λ); train ~ Binomial(X, 0.9). */
export function simulateDataset(seed: number, settings: SimulationSettings): SimulatedDataset {
  const random = mulberry32(seed);
  const normal = normalSampler(random);
  const { cells, genes, cellTypes, programRank } = settings;
  const baseline = Array.from({ length: genes }, () => settings.baselineSd * normal());
  const markers = Array.from({ length: cellTypes }, () => Array.from({ length: genes }, () => (random() < 0.2 ? normal() : 0)));
  const programs = Array.from({ length: programRank }, () => Array.from({ length: genes }, () => 0.3 * normal()));
  const rates = new Float64Array(cells * genes);
  const logits = new Float64Array(genes);
  for (let cell = 0; cell < cells; cell++) {
    const type = markers[Math.floor(random() * cellTypes)];
    const loadings = programs.map(() => normal());
    let max = -Infinity;
    for (let gene = 0; gene < genes; gene++) {
      let logit = baseline[gene] + type[gene];
      for (let rank = 0; rank < programRank; rank++) logit += loadings[rank] * programs[rank][gene];
      logits[gene] = logit;
      if (logit > max) max = logit;
    }
    let norm = 0;
    for (let gene = 0; gene < genes; gene++) norm += Math.exp(logits[gene] - max);
    const library = Math.exp(settings.logLibraryMean + 0.5 * normal());
    for (let gene = 0; gene < genes; gene++) rates[cell * genes + gene] = (library * Math.exp(logits[gene] - max)) / norm;
  }
  return splitMolecules(rates, cells, genes, random);
}

/** Samples X ~ Poisson(λ), keeps each molecule in train with probability 0.9, and drops genes with no train counts. */
function splitMolecules(rates: Float64Array, cells: number, genes: number, random: () => number): SimulatedDataset {
  const train = new Float64Array(cells * genes);
  const test = new Float64Array(cells * genes);
  for (let index = 0; index < rates.length; index++) {
    const molecules = poissonSample(rates[index], random);
    let kept = 0;
    for (let molecule = 0; molecule < molecules; molecule++) if (random() < 0.9) kept++;
    train[index] = kept;
    test[index] = molecules - kept;
  }
  const keptGenes: number[] = [];
  for (let gene = 0; gene < genes; gene++) {
    let sum = 0;
    for (let cell = 0; cell < cells; cell++) sum += train[cell * genes + gene];
    if (sum > 0) keptGenes.push(gene);
  }
  const pickGenes = (matrix: Float64Array) => {
    const out: number[] = [];
    for (let cell = 0; cell < cells; cell++) for (const gene of keptGenes) out.push(matrix[cell * genes + gene]);
    return out;
  };
  const counts = pickGenes(train);
  const testCounts = pickGenes(test);
  const zeros = counts.reduce((sum, value, index) => sum + (value + testCounts[index] === 0 ? 1 : 0), 0);
  return {
    input: { cells, genes: keptGenes.length, counts },
    label: { test: testCounts, lambda: pickGenes(rates) },
    zeroFraction: zeros / counts.length,
  };
}
