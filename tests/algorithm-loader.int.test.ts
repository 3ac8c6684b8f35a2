/** loadAlgorithm: built-in ids, a user's own file or folder, and clear errors naming what is missing. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, PluginError, ValidationError } from '../core/errors.ts';
import { loadAlgorithm } from '../plugins/algorithms/index.ts';

const directory = mkdtempSync(join(tmpdir(), 'sia-algorithms-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function write(name: string, source: string): string {
  const path = join(directory, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, source);
  return path;
}

const planBody = `plan(groups) {
    const rows = groups.flat().map((r) => ({ group: r.groupId, traj: r.trajectoryId, tokens: r.tokens, mask: r.mask,
      sampler_logprobs: r.samplerLogprobs, advantages: r.mask.map((m) => m * r.reward), ref_logprobs: null, reward: r.reward }));
    return { rows, loss: { kind: 'is' }, stats: { rows: rows.length } };
  }`;

describe('loadAlgorithm', () => {
  it('returns a built-in by id', async () => {
    expect((await loadAlgorithm('entropic')).id).toBe('entropic');
  });

  it('refuses an unknown id with the known ones listed', async () => {
    await expect(loadAlgorithm('ppo2')).rejects.toThrow(ValidationError);
    await expect(loadAlgorithm('ppo2')).rejects.toThrow(/known: ppo-gae, grpo/);
  });

  it('loads a file whose default export is the factory, and plans with it', async () => {
    const path = write('raw-reward.ts', `export default () => ({ id: 'raw-reward', title: 'Raw reward', suits: 'anything', defaults: {}, ${planBody} });\n`);
    const algorithm = await loadAlgorithm(path);
    expect(algorithm.id).toBe('raw-reward');
    const plan = algorithm.plan([[{ groupId: 'g', trajectoryId: 't', exampleId: 'e', tokens: [1, 2], mask: [0, 1], samplerLogprobs: [0, -1], reward: 0.5 }]]);
    expect(plan.rows).toHaveLength(1);
  });

  it('loads a folder with index.ts exporting a named create… factory', async () => {
    write('mine/index.ts', `export const createMine = () => ({ id: 'mine', title: 'Mine', suits: 'mine', defaults: { k: 1 }, ${planBody} });\n`);
    expect((await loadAlgorithm(join(directory, 'mine'))).id).toBe('mine');
  });

  it('names every missing member', async () => {
    const path = write('partial.ts', `export default () => ({ id: 'partial', title: 'Partial', defaults: {} });\n`);
    const error = await loadAlgorithm(path).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PluginError);
    expect(String((error as Error).message)).toMatch(/missing or wrong: suits \(non-empty string\), plan \(function/);
  });

  it('refuses a module without a factory, a plan with an unknown loss kind, a missing path', async () => {
    const noFactory = write('constants.ts', `export const value = 3;\n`);
    await expect(loadAlgorithm(noFactory)).rejects.toThrow(/exports no algorithm factory/);
    const badKind = write(
      'bad-kind.ts',
      `export default () => ({ id: 'b', title: 'B', suits: 's', defaults: {}, plan: () => ({ rows: [], loss: { kind: 'ppo' }, stats: {} }) });\n`,
    );
    await expect(loadAlgorithm(badKind)).rejects.toThrow(/plan\(\[\]\) must return/);
    await expect(loadAlgorithm(join(directory, 'nowhere.ts'))).rejects.toThrow(NotFoundError);
    mkdirSync(join(directory, 'empty'));
    await expect(loadAlgorithm(join(directory, 'empty'))).rejects.toThrow(/has no index\.ts/);
  });

  it('reports a file that fails to import', async () => {
    const broken = write('broken.ts', `import { nothing } from './does-not-exist.ts';\nexport default () => nothing;\n`);
    await expect(loadAlgorithm(broken)).rejects.toThrow(/could not import/);
  });
});
