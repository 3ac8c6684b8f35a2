import { describe, expect, it } from 'vitest';
import { nvccPath, parsePtxasReport } from '../plugins/tasks/trimul/compile.ts';
import { createTask } from '../plugins/tasks/trimul/index.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';
import { importScaffoldVariant } from './support/scaffold-variant.ts';

const nvcc = nvccPath();
if (!nvcc) console.warn('trimul compile-gate tests skipped: no nvcc at $SIA_NVCC or /usr/local/bin/nvcc');

describe('trimul (CUDA) task', () => {
  it('parses ptxas -v reports per kernel', () => {
    const report = [
      "ptxas info    : Compiling entry function '_Z6kernelPf' for 'sm_90a'",
      'ptxas info    : Function properties for _Z6kernelPf',
      '    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads',
      'ptxas info    : Used 255 registers, used 1 barriers, 8448 bytes smem, 368 bytes cmem[0]',
    ].join('\n');
    expect(parsePtxasReport(report)).toEqual([{ name: '_Z6kernelPf', registers: 255, spillStores: 4, spillLoads: 12, stackBytes: 8, sharedBytes: 8448 }]);
  });

  it('splits are the 18 test and 7 benchmark shapes, holdout reseeded; views carry only the shape', async () => {
    const task = await createTask({ nvcc: null, gpu: false });
    const splits = task.splits(2);
    expect([splits.train.length, splits.dev.length, splits.holdout.length]).toEqual([18, 7, 7]);
    expect(splits.holdout.map((item) => (item.input as { seed: number }).seed)).not.toEqual(splits.dev.map((item) => (item.input as { seed: number }).seed));
    const verdict = await task.verifier.score(splits.dev[0], '__global__ void k() {}\nextern "C" int trimul_forward(int);');
    expect(verdict.reward).toBe(0);
    expect(String(verdict.detail?.failed)).toMatch(/nvcc not found/);
    expect(String(verdict.detail?.timing)).toMatch(/^needs a GPU: set SIA_TRIMUL_GPU/);
  });

  it.skipIf(!nvcc)(
    'the reference kernel passes the sm_90a compile gate; a broken one is a compile error',
    async () => {
      const task = await createTask({ gpu: false });
      const example = task.splits(1).dev[0];
      const solve = await importScaffoldVariant(task.referenceScaffold);
      const { context } = fakeScaffoldContext((request) => request.guidedChoice![0]);
      const source = (await solve(task.view(example), context)) as string;
      const verdict = await task.verifier.score(example, source);
      expect(verdict.detail?.failed).toBeUndefined();
      expect(verdict.reward).toBe(1);
      const compile = verdict.detail!.compile as { kernels: Array<{ name: string; registers: number; spillStores: number; sharedBytes: number }> };
      expect(compile.kernels.length).toBeGreaterThanOrEqual(4);
      for (const kernel of compile.kernels) expect(kernel.spillStores).toBe(0);
      console.log(`trimul reference compile: ${compile.kernels.map((k) => `${k.name} ${k.registers} regs ${k.sharedBytes} B smem`).join('; ')}`);
      expect(String(verdict.detail?.timing)).toMatch(/needs a GPU/);

      const broken = await task.verifier.score(example, source.replace('float sum = 0.f;', 'float sum = undefined_symbol;'));
      expect(broken.reward).toBe(0);
      expect(broken.detail?.failed).toBe('compile error');
      expect(String((broken.detail!.compile as { error: string }).error)).toMatch(/undefined_symbol/);
    },
    120_000,
  );
});
