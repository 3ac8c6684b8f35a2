import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScaffoldFiles, Task, TaskExample } from '../core/ports/task.ts';
import { createTask as createGsm8k } from '../plugins/tasks/gsm8k/index.ts';
import { createTask as createLawbench } from '../plugins/tasks/lawbench/index.ts';
import { readConfigBlock, type ScaffoldConfig, writeConfigBlock } from '../plugins/tasks/shared/config-block.ts';
import { mulberry32 } from '../plugins/tasks/shared/random.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';

type Solve = (example: unknown, ctx: unknown) => Promise<unknown>;
const root = mkdtempSync(join(tmpdir(), 'sia-scaffolds-'));
let variant = 0;

/** Writes the scaffold's files as the sandbox would (with CONFIG overrides) and imports its entry. */
async function importScaffold(scaffold: ScaffoldFiles, overrides: ScaffoldConfig = {}): Promise<Solve> {
  const dir = join(root, `v${variant++}`);
  for (const [name, content] of Object.entries(scaffold.files)) {
    const source = name === scaffold.entry ? writeConfigBlock(content, { ...readConfigBlock(content), ...overrides }) : content;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return ((await import(pathToFileURL(join(dir, scaffold.entry)).href)) as { solve: Solve }).solve;
}

/** Mean metric of a scaffold over examples, with the policy replaced by `choose`. */
async function accuracy(task: Task, solve: Solve, examples: TaskExample[], choose: (candidates: string[], example: TaskExample) => string) {
  let total = 0;
  for (const example of examples) {
    const { context } = fakeScaffoldContext((request) => choose(request.guidedChoice!, example));
    total += (await task.verifier.score(example, await solve(task.view(example), context))).metric;
  }
  return total / examples.length;
}

describe('lawbench reference scaffold', () => {
  it('asks guided choice among known charges and returns a charge the verifier parses', async () => {
    const task = await createLawbench();
    const solve = await importScaffold(task.referenceScaffold);
    for (const example of task.splits(1).dev.slice(0, 5)) {
      const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
      const output = await solve(task.view(example), context);
      expect(requests).toHaveLength(1);
      expect(requests[0].guidedChoice).toHaveLength(task.info!.classes as number);
      expect(requests[0].guidedChoice).toContain(output);
      expect((await task.verifier.score(example, output)).detail?.abstained).toBe(false);
    }
  });

  it('votes over samples and honours the shortlist width', async () => {
    const task = await createLawbench();
    const solve = await importScaffold(task.referenceScaffold, { shortlist: 5, samples: 3, temperature: 0.7 });
    const picks = ['b', 'a', 'b'];
    const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![picks[requests.length - 1] === 'a' ? 0 : 1]);
    const output = await solve(task.view(task.splits(1).dev[0]), context);
    expect(requests).toHaveLength(3);
    expect(requests.every((request) => request.guidedChoice!.length === 5 && request.temperature === 0.7)).toBe(true);
    expect(output).toBe(requests[0].guidedChoice![1]);
  });

  it('shortlisting by keyword overlap beats offering every charge when the policy picks at random', async () => {
    const task = await createLawbench();
    const dev = task.splits(1).dev;
    const random = mulberry32(9);
    const pickAtRandom = (candidates: string[]) => candidates[Math.floor(random() * candidates.length)];
    const base = await accuracy(task, await importScaffold(task.referenceScaffold), dev, pickAtRandom);
    const tuned = await accuracy(task, await importScaffold(task.referenceScaffold, { shortlist: 3, overlap: 'bigram' }), dev, pickAtRandom);
    expect(tuned).toBeGreaterThan(base + 0.1);
  });
});

describe('gsm8k reference scaffold', () => {
  const oracle = (candidates: string[], example: TaskExample) =>
    candidates.find((candidate) => Math.abs(Number(candidate.split('=').pop()) - (example.label as number)) < 1e-6) ?? candidates[0];

  it('offers numeric candidates by guided choice and returns a number', async () => {
    const task = await createGsm8k();
    const solve = await importScaffold(task.referenceScaffold);
    for (const example of task.splits(1).dev.slice(0, 5)) {
      const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice!.at(-1)!);
      const output = await solve(task.view(example), context);
      expect(requests[0].guidedChoice!.length).toBeGreaterThan(0);
      expect(requests[0].guidedChoice!.length).toBeLessThanOrEqual(8);
      expect(typeof output).toBe('number');
      expect((await task.verifier.score(example, output)).detail?.parsed).toBe(output);
    }
  });

  it('parses the expression candidate format back to its value', async () => {
    const task = await createGsm8k();
    const solve = await importScaffold(task.referenceScaffold, { candidateFormat: 'expression' });
    const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
    const output = await solve({ id: 'q', input: { question: 'Ann has 48 clips and gets 24 more. How many clips?' } }, context);
    expect(requests[0].guidedChoice![0]).toMatch(/^48 \+ 24 = 72$/);
    expect(output).toBe(72);
  });

  it('wider, deeper candidate generation puts the right answer within reach more often', async () => {
    const task = await createGsm8k();
    const dev = task.splits(1).dev;
    const base = await accuracy(task, await importScaffold(task.referenceScaffold), dev, oracle);
    const tunedConfig = { operandDepth: 2, numberWords: true, ranking: 'plausible', candidateWidth: 64 };
    const tuned = await accuracy(task, await importScaffold(task.referenceScaffold, tunedConfig), dev, oracle);
    expect(tuned).toBeGreaterThan(base + 0.15);
  });
});
