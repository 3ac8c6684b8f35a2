import { describe, expect, it } from 'vitest';
import { taskOutputLimit } from '../core/sandbox-limits.ts';
import { createTask } from '../plugins/tasks/denoising/index.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';
import { importScaffoldVariant } from './support/scaffold-variant.ts';

/** The longest JSON of a non-negative finite double ("2.2250738585072014e-308") and its comma. */
const WORST_BYTES_PER_VALUE = 24;

describe("denoising's declared output limit", () => {
  it("fits the reference scaffold's answer and any full-length answer to the largest item of seeds 0–9", async () => {
    const task = await createTask();
    const limit = taskOutputLimit(task);
    let largest: { cells: number; genes: number } | null = null;
    let largestExample = null;
    for (let seed = 0; seed < 10; seed++) {
      const { train, dev, holdout } = task.splits(seed);
      for (const example of [...train, ...dev, ...holdout]) {
        const input = example.input as { cells: number; genes: number };
        if (!largest || input.cells * input.genes > largest.cells * largest.genes) [largest, largestExample] = [input, example];
      }
    }
    const worstCase = largest!.cells * largest!.genes * WORST_BYTES_PER_VALUE + 2 * largest!.cells + 2;
    // The default 1 MiB would fail the largest items: that is why the task declares its own limit.
    expect(worstCase).toBeGreaterThan(1024 * 1024);
    expect(worstCase).toBeLessThan(limit);
    for (const round of [false, true]) {
      const solve = await importScaffoldVariant(task.referenceScaffold, { round });
      const { context } = fakeScaffoldContext((request) => request.guidedChoice![0]);
      const output = await solve(task.view(largestExample!), context);
      const bytes = Buffer.byteLength(JSON.stringify(output));
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThan(limit);
      expect((await task.verifier.score(largestExample!, output)).detail?.poissonPassed).toBe(true);
    }
  });
});
