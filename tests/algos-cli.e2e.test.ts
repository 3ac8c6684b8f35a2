import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sia } from './support/cli.ts';

describe('sia algos list', () => {
  it('prints every algorithm with its loss kind as JSON', () => {
    const result = sia(['algos', 'list', '--json']);
    expect(result.status).toBe(0);
    const { algorithms } = JSON.parse(result.stdout) as { algorithms: { id: string; lossKind: string; suits: string }[] };
    expect(Object.fromEntries(algorithms.map((a) => [a.id, a.lossKind]))).toEqual({
      'ppo-gae': 'ppo_gae',
      grpo: 'ppo_clip',
      rloo: 'ppo_clip',
      entropic: 'is',
      'reinforce-kl': 'is',
      dpo: 'dpo',
      'bon-bc': 'cross_entropy',
    });
    expect(algorithms.every((a) => a.suits.length > 10)).toBe(true);
  });
  it('prints a table with a header', () => {
    const result = sia(['algos', 'list']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^ID\s+TITLE\s+SUITS.*LOSS$/);
    expect(result.stdout).toMatch(/^entropic\s+Entropic advantage weighting.*\bis$/m);
  });
  it("loads and checks the user's own algorithm with --load, refusing a taken id and a missing file", () => {
    const directory = mkdtempSync(join(tmpdir(), 'sia-algos-'));
    const algorithm = (id: string) =>
      `export default () => ({ id: '${id}', title: 'Mine', suits: 'my reward shape', defaults: {}, plan: () => ({ rows: [], loss: { kind: 'is' }, stats: {} }) });\n`;
    writeFileSync(join(directory, 'mine.mjs'), algorithm('mine'));
    writeFileSync(join(directory, 'clash.mjs'), algorithm('grpo'));
    const listed = sia(['algos', 'list', '--json', '--load', join(directory, 'mine.mjs')]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).algorithms.at(-1)).toMatchObject({ id: 'mine', lossKind: 'is', suits: 'my reward shape' });
    expect(sia(['algos', 'list', '--load', join(directory, 'clash.mjs')])).toMatchObject({ status: 2, stderr: expect.stringContaining('"grpo"') });
    expect(sia(['algos', 'list', '--load', join(directory, 'nope.mjs')])).toMatchObject({ status: 2, stderr: expect.stringContaining('nope.mjs') });
  });
});
