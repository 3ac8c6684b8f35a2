/**
 * Scaffold variants for benches that measure a task outside the loop (bench/levers.ts, bench/lawbench-headroom.ts):
 * a scaffold written to a temporary folder with config overrides and imported in this process, and a scorer that
 * runs its `solve` over examples with a given chat function. Trusted code only: these are the packaged reference
 * scaffolds, never a loop's proposals (those run in the sandbox).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChatRequest } from '../../core/ports/policy-model.ts';
import type { ScaffoldFiles, Task, TaskExample } from '../../core/ports/task.ts';
import { readConfigBlock, writeConfigBlock } from '../../plugins/tasks/shared/config-block.ts';

let variant = 0;

/** The scaffold's entry module with `overrides` written into its config block. */
export async function importScaffold(scaffold: ScaffoldFiles, overrides: Record<string, unknown>): Promise<Record<string, unknown>> {
  const dir = join(mkdtempSync(join(tmpdir(), 'sia-bench-scaffold-')), `v${variant++}`);
  for (const [name, content] of Object.entries(scaffold.files)) {
    const source = name === scaffold.entry ? writeConfigBlock(content, { ...readConfigBlock(content), ...overrides } as never) : content;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return (await import(pathToFileURL(join(dir, scaffold.entry)).href)) as Record<string, unknown>;
}

export type Solve = (example: unknown, ctx: unknown) => Promise<unknown>;
export type Chat = (request: ChatRequest) => Promise<{ content: string }>;

export async function importSolve(scaffold: ScaffoldFiles, overrides: Record<string, unknown>): Promise<Solve> {
  return (await importScaffold(scaffold, overrides)).solve as Solve;
}

/** The task's aggregate metric of `solve` over `examples`; a throwing solve scores as a missing answer. */
export async function scoreSolve(task: Task, solve: Solve, examples: TaskExample[], chat: Chat): Promise<number> {
  const verdicts = [];
  for (const example of examples) {
    let output: unknown = null;
    try {
      output = await solve(task.view(example), { llm: { chat: (request: Omit<ChatRequest, 'model'>) => chat({ model: 'bench', ...request }) }, log: () => {} });
    } catch {
      output = null;
    }
    verdicts.push(await task.verifier.score(example, output));
  }
  return task.aggregate ? task.aggregate(verdicts) : verdicts.reduce((sum, v) => sum + v.metric, 0) / Math.max(1, verdicts.length);
}
