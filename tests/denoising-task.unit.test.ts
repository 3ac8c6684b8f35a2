import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TaskExample } from '../core/ports/task.ts';
import { createTask } from '../plugins/tasks/denoising/index.ts';
import { poissonSample } from '../plugins/tasks/denoising/simulate.ts';
import { type DenoisingLabel, mseLogNormalized, poissonLoss, scoreDenoising } from '../plugins/tasks/denoising/verifier.ts';
import { mulberry32 } from '../plugins/tasks/shared/random.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';
import { importScaffoldVariant } from './support/scaffold-variant.ts';

type Csr = { indptr: number[]; indices: number[]; data: number[] };
const fixture = JSON.parse(readFileSync(new URL('../plugins/tasks/denoising/data/mcv-metric-fixture.json', import.meta.url), 'utf8')) as {
  shape: [number, number];
  train: Csr;
  test: Csr;
  golden: Record<string, number>;
};
const [cells, genes] = fixture.shape;
const dense = (matrix: Csr) => {
  const out = new Array<number>(cells * genes).fill(0);
  for (let row = 0; row < cells; row++)
    for (let at = matrix.indptr[row]; at < matrix.indptr[row + 1]; at++) out[row * genes + matrix.indices[at]] = matrix.data[at];
  return out;
};
const train = dense(fixture.train);
const test = dense(fixture.test);
const trainSum = train.reduce((sum, value) => sum + value, 0);
const matrix = (values: number[]) => ({ cells, genes, values });
/** numpy's round: half to even, as the fixture's generator used. */
const roundHalfEven = (value: number) => (Math.abs(value % 1) === 0.5 ? 2 * Math.round(value / 2) : Math.round(value));
const fixtureExample: TaskExample = { id: 'fixture', input: { cells, genes, counts: train }, label: { test, lambda: train } satisfies DenoisingLabel };

describe('denoising metrics against the numpy golden fixture', () => {
  it('reproduces mse and poisson golden values to 1e-6', () => {
    const { golden } = fixture;
    expect(trainSum).toBe(golden.train_sum);
    expect(mseLogNormalized(matrix(test), matrix(train))).toBeCloseTo(golden.mse_no_denoising, 6);
    expect(mseLogNormalized(matrix(test), matrix(test))).toBe(golden.mse_perfect);
    expect(mseLogNormalized(matrix(test), matrix(train.map((value) => value + 0.5)))).toBeCloseTo(golden.mse_train_plus_half, 6);
    expect(mseLogNormalized(matrix(test), matrix(train.map((value) => roundHalfEven(value + 0.5))))).toBeCloseTo(golden.mse_round_train_plus_half, 6);
    expect(poissonLoss(test, train, trainSum)).toBeCloseTo(golden.poisson_no_denoising, 6);
    expect(poissonLoss(test, test, trainSum)).toBeCloseTo(golden.poisson_perfect, 6);
  });

  it('scores no_denoising 0 and perfect_denoising 1 with the Poisson check passed', () => {
    expect(scoreDenoising(fixtureExample, train).reward).toBe(0);
    const perfect = scoreDenoising(fixtureExample, test);
    expect(perfect.reward).toBe(1);
    expect(perfect.detail).toMatchObject({ poissonPassed: true, poisson_norm: 1 });
  });

  it('rejects missing, wrong-sized, non-finite, negative, oversized and emptied outputs with 0', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /output must be/],
      [train.slice(1), /output must be/],
      [train.map((value, index) => (index === 7 ? Number.NaN : value)), /non-finite/],
      [train.map((value, index) => (index === 7 ? Infinity : value)), /non-finite/],
      [train.map((value, index) => (index === 7 ? -1 : value)), /negative/],
      [train.map((value, index) => (index === 7 ? trainSum + 1 : value)), /train total/],
      [new Array(cells * genes).fill(0), /all-zero output row/],
    ];
    for (const [output, reason] of cases) {
      const verdict = scoreDenoising(fixtureExample, output);
      expect(verdict.reward).toBe(0);
      expect(String(verdict.detail?.rejected)).toMatch(reason);
    }
  });

  it("applies the Poisson hard constraint: a threshold above the output's poisson_norm zeroes the reward", () => {
    const nearlyPerfect = test.map((value, index) => (index % 10 === 0 ? value * 3 : value));
    const loose = scoreDenoising(fixtureExample, nearlyPerfect, -Infinity);
    expect(loose.reward).toBeGreaterThan(0);
    const strict = scoreDenoising(fixtureExample, nearlyPerfect, (loose.detail!.poisson_norm as number) + 1e-9);
    expect(strict.reward).toBe(0);
    expect(String(strict.detail?.rejected)).toMatch(/poisson_norm/);
  });
});

describe('denoising task', () => {
  it('simulates sparse count matrices whose Poisson sampler has the right mean at small and large rates', async () => {
    const random = mulberry32(9);
    for (const rate of [0.3, 4, 55, 400]) {
      const draws = Array.from({ length: 4000 }, () => poissonSample(rate, random));
      const mean = draws.reduce((sum, value) => sum + value, 0) / draws.length;
      expect(Math.abs(mean - rate)).toBeLessThan(4 * Math.sqrt(rate / draws.length));
    }
    const task = await createTask();
    for (const example of task.splits(1).dev) {
      const { cells: n, genes: g, counts } = example.input as { cells: number; genes: number; counts: number[] };
      expect(n).toBeGreaterThanOrEqual(60);
      expect(n).toBeLessThanOrEqual(150);
      expect(counts).toHaveLength(n * g);
      const zeros = counts.filter((value) => value === 0).length / counts.length;
      expect(zeros).toBeGreaterThan(0.7);
    }
  });

  it('the reference MAGIC scaffold beats no_denoising with the Poisson check passed; rounding raises mse_norm', async () => {
    const task = await createTask();
    const examples = task.splits(1).dev.slice(0, 3);
    const meanScore = async (overrides: Record<string, string | number | boolean>) => {
      const solve = await importScaffoldVariant(task.referenceScaffold, overrides);
      let total = 0;
      for (const example of examples) {
        const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
        const verdict = await task.verifier.score(example, await solve(task.view(example), context));
        expect(requests[0].guidedChoice!.length).toBeGreaterThan(1);
        expect(verdict.detail?.poissonPassed).toBe(true);
        total += verdict.reward;
      }
      return total / examples.length;
    };
    const reference = await meanScore({});
    const rounded = await meanScore({ round: true });
    expect(reference).toBeGreaterThan(0);
    expect(rounded).toBeGreaterThan(reference);
  });
});
