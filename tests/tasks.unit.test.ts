import { describe, expect, it } from 'vitest';
import type { TaskExample } from '../core/ports/task.ts';
import { loadGsm8k } from '../plugins/tasks/gsm8k/data.ts';
import { createTask as createGsm8k } from '../plugins/tasks/gsm8k/index.ts';
import { renumber } from '../plugins/tasks/gsm8k/renumber.ts';
import { parseNumericAnswer, scoreGsm8k } from '../plugins/tasks/gsm8k/verifier.ts';
import { loadTask, packagedTasks } from '../plugins/tasks/index.ts';
import { createTask as createLawbench } from '../plugins/tasks/lawbench/index.ts';
import { scoreLawbench } from '../plugins/tasks/lawbench/verifier.ts';
import { readConfigBlock, writeConfigBlock } from '../plugins/tasks/shared/config-block.ts';
import { deriveSeed, mulberry32, seededShuffle } from '../plugins/tasks/shared/random.ts';
import { containsValue, runTaskContract, type TaskContractOptions } from './contracts/task.case.ts';

runTaskContract(() => createLawbench(), { name: 'lawbench' });
runTaskContract(() => createGsm8k(), { name: 'gsm8k' });

// A task module may export `contractOptions` (TaskContractOptions, e.g. `labelToOutput` when its output is not
// the label itself) to tell the contract what a perfect answer looks like.
for (const id of ['denoising', 'trimul', 'trimul-cpu']) {
  const module = (await packagedTasks.find((task) => task.id === id)!.load()) as Record<string, unknown>;
  runTaskContract(() => loadTask(id), { name: id, sampleSize: 2, timeoutMs: 120_000, ...((module.contractOptions ?? {}) as TaskContractOptions) });
}

describe('shared task helpers', () => {
  it('mulberry32 is deterministic, in [0, 1), and differs by seed', () => {
    const first = Array.from({ length: 5 }, mulberry32(42));
    expect(Array.from({ length: 5 }, mulberry32(42))).toEqual(first);
    expect(Array.from({ length: 5 }, mulberry32(43))).not.toEqual(first);
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
    expect(deriveSeed(1, 'a')).not.toBe(deriveSeed(1, 'b'));
  });

  it("the contract's leak check finds a label nested anywhere in a view", () => {
    expect(containsValue({ id: 'a', input: { question: 'q', hints: [1, { answer: 72 }] } }, 72)).toBe(true);
    expect(containsValue({ id: 'a', input: { facts: '被告人盗窃' } }, '盗窃')).toBe(false);
    expect(containsValue({ id: 'a', input: { options: ['诈骗', '盗窃'] } }, '盗窃')).toBe(true);
  });

  it('seededShuffle permutes without losing items', () => {
    const items = Array.from({ length: 50 }, (_, index) => index);
    const shuffled = seededShuffle(items, 3);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(seededShuffle(items, 3)).toEqual(shuffled);
  });

  it('reads and rewrites the sia:config block, naming the file on errors', () => {
    const source = 'x\n// sia:config-begin\nconst CONFIG = { "a": 1, "b": "plain" };\n// sia:config-end\nexport async function solve() {}\n';
    expect(readConfigBlock(source)).toEqual({ a: 1, b: 'plain' });
    const rewritten = writeConfigBlock(source, { a: 2, b: 'judge' });
    expect(readConfigBlock(rewritten)).toEqual({ a: 2, b: 'judge' });
    expect(rewritten).toContain('export async function solve');
    expect(() => readConfigBlock('const CONFIG = {};', 'solve.mjs')).toThrow(/solve\.mjs.*sia:config-begin/);
    expect(() => readConfigBlock('// sia:config-begin\nconst CONFIG = { a: 1 };\n// sia:config-end\n')).toThrow(/JSON/);
  });
});

describe('lawbench', () => {
  const example: TaskExample = { id: 'x', input: { facts: '…' }, label: ['盗窃', '诈骗'] };

  it('offers the charges of the train split only, never a dev or holdout gold', async () => {
    const task = await createLawbench();
    expect(task.info?.chargesInData).toBe(202);
    for (const seed of [0, 3]) {
      const splits = task.splits(seed);
      const scaffold = task.referenceScaffoldFor!(seed);
      const source = scaffold.files['charges.mjs'] as string;
      const offered = new Set<string>(JSON.parse(source.slice(source.indexOf('['), source.lastIndexOf(']') + 1)));
      const trainCharges = new Set(splits.train.flatMap((example) => example.label as string[]));
      expect([...offered].sort()).toEqual([...trainCharges].sort());
      // Some held-out golds exist only outside train; none of those may be offered.
      const unseen = [...new Set([...splits.dev, ...splits.holdout].flatMap((example) => example.label as string[]))].filter(
        (charge) => !trainCharges.has(charge),
      );
      expect(unseen.length).toBeGreaterThan(0);
      for (const charge of unseen) expect(offered.has(charge)).toBe(false);
    }
    expect(task.info?.classes).toBeLessThan(202);
    expect(task.referenceScaffold).toEqual(task.referenceScaffoldFor!(0));
  });

  it('derives 202 charges in the data and splits 500 cases 250/125/125 by default, overridable', async () => {
    const task = await createLawbench();
    const splits = task.splits(0);
    expect([splits.train.length, splits.dev.length, splits.holdout.length]).toEqual([250, 125, 125]);
    const small = (await createLawbench({ train: 10, dev: 5, holdout: 5 })).splits(0);
    expect(small.dev.length).toBe(5);
    await expect(async () => createLawbench({ train: 400, dev: 100, holdout: 100 })).rejects.toThrow(/options/);
    await expect(async () => createLawbench({ dev: -1 })).rejects.toThrow(/options\.dev/);
  });

  it('scores top-1 against any gold charge and keeps set-F1 in detail', () => {
    expect(scoreLawbench(example, '诈骗').reward).toBe(1);
    expect(scoreLawbench(example, '[罪名]盗窃罪<eoa>').reward).toBe(1);
    expect(scoreLawbench(example, '抢劫').reward).toBe(0);
    const partial = scoreLawbench(example, ['盗窃', '抢劫']);
    expect(partial.reward).toBe(1);
    expect(partial.detail?.setF1).toBeCloseTo(0.5, 10);
    expect(scoreLawbench(example, ['抢劫', '盗窃']).reward).toBe(0);
    expect(scoreLawbench(example, '盗窃;诈骗').detail?.setF1).toBe(1);
    // No greedy substring credit: a longer charge that contains the gold name is a different charge.
    expect(scoreLawbench(example, '盗窃、抢夺枪支、弹药、爆炸物').reward).toBe(0);
  });

  it('canaries carry a charge outside the class set', async () => {
    const task = await createLawbench();
    const classList = task.referenceScaffold.files['charges.mjs'];
    const facts = new Set([...Object.values(task.splits(1))].flat().map((example) => (example.input as { facts: string }).facts));
    for (const canary of task.canaries!(1)) {
      expect(classList).not.toContain((canary.label as string[])[0]);
      // An ordinary case's facts: nothing in the text marks it as a canary.
      expect(facts.has((canary.input as { facts: string }).facts)).toBe(true);
    }
  });
});

describe('gsm8k', () => {
  it('parses numeric answers the way GSM8K writes them', () => {
    expect(parseNumericAnswer('so she earns $1,250.')).toBe(1250);
    expect(parseNumericAnswer('12 + 6 = 18\n#### 18')).toBe(18);
    expect(parseNumericAnswer('48 / 2 = 24')).toBe(24);
    expect(parseNumericAnswer('-3')).toBe(-3);
    expect(parseNumericAnswer('none')).toBeNull();
    expect(parseNumericAnswer(Number.NaN)).toBeNull();
    const example: TaskExample = { id: 'x', input: { question: '' }, label: 0.5 };
    expect(scoreGsm8k(example, '0.50').reward).toBe(1);
    expect(scoreGsm8k(example, '5').reward).toBe(0);
  });

  it('splits 200/100/100 by default: train from the train file, dev and holdout from the test file', async () => {
    const splits = (await createGsm8k()).splits(3);
    expect([splits.train.length, splits.dev.length, splits.holdout.length]).toEqual([200, 100, 100]);
    expect(splits.train.every((example) => example.id.startsWith('gsm8k-train-'))).toBe(true);
    expect([...splits.dev, ...splits.holdout].every((example) => example.id.startsWith('gsm8k-test-'))).toBe(true);
  });

  it('renumber recomputes the answer from the worked solution', () => {
    const question = 'James runs 3 sprints 3 times a week. He runs 60 meters each sprint. How many meters does he run a week?';
    const solution = 'He sprints 3*3=<<3*3=9>>9 times\nSo he runs 9*60=<<9*60=540>>540 meters\n#### 540';
    const changed = renumber(question, solution, 7)!;
    const [sprints, times, meters] = changed.question.match(/\d+/g)!.map(Number);
    expect(sprints).toBe(times);
    expect(changed.answer).toBe(sprints * times * meters);
    expect(changed.answer).not.toBe(540);
    // Ambiguous: 12 could be the question's number or a dozen; leave it alone.
    expect(renumber('She buys 12 dozen eggs. How many eggs?', 'She has 12*12=<<12*12=144>>144 eggs\n#### 144', 1)).toBeNull();
  });

  it('canaries are real questions, unchanged, with an answer their worked solution does not give', async () => {
    const gold = new Map(loadGsm8k().train.map((example) => [example.input.question, example.label]));
    const canaries = (await createGsm8k()).canaries!(2);
    expect(canaries).toHaveLength(5);
    for (const canary of canaries) {
      const question = (canary.input as { question: string }).question;
      expect(gold.has(question)).toBe(true);
      expect(canary.label).toBeGreaterThan(1_000_000);
      expect(canary.label).not.toBe(gold.get(question));
    }
  });
});
