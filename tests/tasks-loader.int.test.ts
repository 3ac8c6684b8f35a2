import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTaskTemplate } from '../cli/tasks.ts';
import { IllegalStateError, NotFoundError, ValidationError } from '../core/errors.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { runTaskContract } from './contracts/task.case.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';

const root = mkdtempSync(join(tmpdir(), 'sia-user-tasks-'));

function userTask(name: string, files: Record<string, string>): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(folder, file), content);
  return folder;
}

async function loadError(idOrPath: string): Promise<Error> {
  try {
    await loadTask(idOrPath);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`expected ${idOrPath} to fail`);
}

/** A user task whose splits and view are written by `splits` and `view` (JavaScript source). */
function splitTask(name: string, splits: string, view = '(e) => ({ id: e.id, input: e.input })'): string {
  return userTask(name, {
    'index.mjs': `export default () => ({ id: '${name}', description: 'd', metric: { name: 'acc', higherIsBetter: true, description: '' }, hardware: 'cpu',
      referenceScaffold: { entry: 'solve.mjs', files: { 'solve.mjs': 'export async function solve() {}' } },
      splits: () => (${splits}), view: ${view}, verifier: { hash: '${'a'.repeat(64)}', score: () => ({ reward: 0, metric: 0 }) }, perturbations: [] });\n`,
  });
}

describe('user tasks checked at load', () => {
  const item = (id: string, input: unknown, label: unknown) => JSON.stringify({ id, input, label });
  it('refuses an id in two splits, naming it and the task file', async () => {
    const folder = splitTask('dup-id', `{ train: [${item('a', 1, 'x')}], dev: [${item('a', 2, 'y')}], holdout: [] }`);
    const error = await loadError(folder);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe(`task.splits: example id a is in both train and dev (in ${folder})`);
  });

  it('refuses two splits sharing an input', async () => {
    const folder = splitTask('dup-input', `{ train: [${item('a', 'same facts', 'x')}], dev: [], holdout: [${item('b', 'same facts', 'y')}] }`);
    expect((await loadError(folder)).message).toBe(`task.splits: a (train) and b (holdout) have the same input: splits must not share items (in ${folder})`);
  });

  it('refuses a view that carries the label', async () => {
    const folder = splitTask(
      'leaky',
      `{ train: [${item('a', 'q', 'the answer is forty-two')}], dev: [], holdout: [] }`,
      '(e) => ({ id: e.id, input: { text: e.input, hint: e.label } })',
    );
    expect((await loadError(folder)).message).toBe(`task.view: the view of a (train) contains its label: the scaffold would see the answer (in ${folder})`);
  });
});

describe('loadTask', () => {
  it('loads packaged tasks by id', async () => {
    expect((await loadTask('lawbench')).id).toBe('lawbench');
    expect((await loadTask('gsm8k', { train: 5, dev: 5, holdout: 5 })).splits(0).train).toHaveLength(5);
  });

  it('names the packaged ids for an unknown id', async () => {
    const error = await loadError('no-such-task');
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).hint).toMatch(/lawbench.*gsm8k/);
  });

  it('rejects a path that does not exist, and a folder with no entry file', async () => {
    expect(await loadError(join(root, 'absent'))).toBeInstanceOf(NotFoundError);
    const error = await loadError(userTask('empty', { 'README.md': 'nothing here' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toMatch(/index\.ts, index\.mjs, index\.js/);
  });

  it('rejects a module that exports no factory', async () => {
    const error = await loadError(userTask('no-factory', { 'index.mjs': 'export const notATask = 1;\n' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('createTask');
  });

  it('names the missing field of an incomplete task', async () => {
    const index = `export default () => ({ id: 'half', description: 'a task with no verifier', metric: { name: 'acc', higherIsBetter: true, description: '' },
      hardware: 'cpu', referenceScaffold: { entry: 'solve.mjs', files: { 'solve.mjs': 'export async function solve() {}' } },
      splits: () => ({ train: [], dev: [], holdout: [] }), view: (e) => e, perturbations: [] });\n`;
    const error = await loadError(userTask('no-verifier', { 'index.mjs': index }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('task.verifier');
    expect(error.message).toMatch(/missing/);
  });

  it('names a knob that is not a CONFIG key', async () => {
    const folder = writeTaskTemplate('bad-knob', root);
    const index = join(folder, 'index.mjs');
    writeFileSync(index, readFileSync(index, 'utf8').replace('knobs: { candidates:', 'knobs: { temperature: [0], candidates:'));
    const error = await loadError(folder);
    expect((error as ValidationError).field).toBe('task.knobs.temperature');
  });
});

describe('sia tasks new', () => {
  const folder = writeTaskTemplate('my-task', root);

  it('refuses to overwrite an existing folder or take a bad name', () => {
    expect(() => writeTaskTemplate('my-task', root)).toThrow(IllegalStateError);
    expect(() => writeTaskTemplate('My Task', root)).toThrow(ValidationError);
  });

  it('writes a template whose scaffold solves its task through guided choice', async () => {
    const task = await loadTask(folder);
    const { solve } = (await import(pathToFileURL(join(folder, 'scaffold/solve.mjs')).href)) as {
      solve: (example: unknown, ctx: unknown) => Promise<unknown>;
    };
    const examples = task.splits(1).dev;
    let correct = 0;
    for (const example of examples) {
      // A rule-following fake policy: always the first candidate, which the template lists as the sum.
      const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
      const output = await solve(task.view(example), context);
      expect(requests[0].guidedChoice!.length).toBeGreaterThan(0);
      correct += (await task.verifier.score(example, output)).reward;
    }
    expect(correct).toBe(examples.length);
  });

  runTaskContract(() => loadTask(folder), { name: 'template from `sia tasks new`' });
});
