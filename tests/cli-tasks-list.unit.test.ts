import { describe, expect, it } from 'vitest';
import { summarizeTasks, taskLine } from '../cli/tasks.ts';

/** `sia tasks list` names each packaged task's output limit: the 1 MiB default, or what the task declares. */
describe('sia tasks list', () => {
  it('shows the output limit of every task, denoising its declared 8 MiB', async () => {
    const summaries = await summarizeTasks();
    const byId = Object.fromEntries(summaries.map((summary) => [summary.id, summary]));
    expect(byId.denoising.outputLimitBytes).toBe(8 * 1024 * 1024);
    expect(byId.lawbench.outputLimitBytes).toBe(1024 * 1024);
    expect(taskLine(byId.denoising)).toMatch(/^denoising .* output ≤ 8 MiB$/);
    expect(taskLine(byId.lawbench)).toMatch(/^lawbench .*train\/dev\/holdout 250\/125\/125 +cpu {2}output ≤ 1 MiB {2}classes \d+$/);
  });

  it('lists a task that fails to load with its error', () => {
    expect(taskLine({ id: 'broken', available: false, error: 'data file missing' })).toBe('broken       unavailable: data file missing');
  });
});
