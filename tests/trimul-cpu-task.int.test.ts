import { describe, expect, it } from 'vitest';
import type { TaskExample } from '../core/ports/task.ts';
import { createTask } from '../plugins/tasks/trimul-cpu/index.ts';
import { generateInputs } from '../plugins/tasks/trimul-cpu/inputs.ts';
import { referenceAt, referenceTrimul } from '../plugins/tasks/trimul-cpu/reference.ts';
import { runKernel } from '../plugins/tasks/trimul-cpu/run-kernel.ts';
import { checkClose } from '../plugins/tasks/trimul-cpu/verifier.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';
import { importScaffoldVariant } from './support/scaffold-variant.ts';

const small = generateInputs({ batch: 2, seqLen: 6, dim: 8, hidden: 4, distribution: 'cauchy', masked: true }, 3);
const limits = { timeMs: 20_000, memoryMb: 256 };

describe('trimul-cpu reference and checks', () => {
  it('sampled reference positions equal the full reference; the tolerance rule matches NaN/inf by position', () => {
    const full = referenceTrimul(small);
    const [first, last] = referenceAt(small, [[0, 1, 2], [1, 5, 5]]);
    const { N, C } = small.cfg;
    expect(Array.from(first)).toEqual(Array.from(full.subarray(((0 * N + 1) * N + 2) * C, ((0 * N + 1) * N + 3) * C)));
    expect(Array.from(last)).toEqual(Array.from(full.subarray(full.length - C)));
    expect(checkClose(Float32Array.from(full), full)).toBeNull();
    expect(checkClose(Float32Array.of(1.03), [1])).toBeNull();
    expect(checkClose(Float32Array.of(1.05), [1])).toMatch(/position 0/);
    expect(checkClose(Float32Array.of(Number.NaN), [Number.NaN])).toBeNull();
    expect(checkClose(Float32Array.of(0), [Number.NaN])).toMatch(/expected NaN/);
    expect(checkClose(Float32Array.of(-Infinity), [Infinity])).toMatch(/expected Infinity/);
  });

  it('runs the untrusted kernel without file writes, file reads outside its dir, child processes, or unbounded time', async () => {
    const cases = [{ name: 'small', ...small, runs: 1 }];
    const escapes = [
      'import fs from "node:fs"; export function trimul() { fs.writeFileSync("/tmp/sia-trimul-escape", "x"); }',
      'import fs from "node:fs"; export function trimul() { return new Float32Array(fs.readFileSync("/etc/hostname")); }',
      'import cp from "node:child_process"; export function trimul() { cp.execSync("true"); }',
    ];
    for (const source of escapes) {
      const run = await runKernel(source, cases, limits);
      expect(run.ok).toBe(false);
      expect(run.error).toMatch(/restricted/);
    }
    const loop = await runKernel('export function trimul() { for (;;) {} }', cases, { timeMs: 1500, memoryMb: 256 });
    expect(loop.error).toMatch(/timeout/);
  });
});

describe('trimul-cpu task', () => {
  it('the reference scaffold writes a correct kernel with reward > 0; wrong and garbage kernels score 0', async () => {
    const task = await createTask({ runs: 1, train: 1, dev: 1, holdout: 1 });
    const example: TaskExample = task.splits(4).dev[0];
    const solve = await importScaffoldVariant(task.referenceScaffold);
    const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
    const kernel = (await solve(task.view(example), context)) as string;
    expect(requests[0].guidedChoice).toEqual(['strided', 'hInner', 'transposed']);
    const verdict = await task.verifier.score(example, kernel);
    expect(verdict.detail?.failed).toBeUndefined();
    expect(verdict.reward).toBeGreaterThan(0);
    expect(verdict.detail).toMatchObject({ correct: true, speedupOverReference: 1 });
    console.log(`trimul-cpu reference kernel: geomean ${(verdict.detail!.geomeanMs as number).toFixed(1)} ms, reward ${verdict.reward.toFixed(3)}`);

    // A plausible bug: the einsum contracts over the wrong index (L[i,k]·R[k,j] instead of R[j,k]).
    const wrong = kernel.replace('right[(rj + k) * H + h]', 'right[(((b * N + k) * N + j)) * H + h]');
    expect(wrong).not.toBe(kernel);
    const wrongVerdict = await task.verifier.score(example, wrong);
    expect(wrongVerdict.reward).toBe(0);
    expect(String(wrongVerdict.detail?.failed)).toMatch(/mismatch/);
    for (const garbage of [null, '', 'export const x = 1; // no kernel', 'export function trimul() { return [1, 2]; }']) {
      expect((await task.verifier.score(example, garbage)).reward).toBe(0);
    }
  }, 120_000);
});
