import { describe, expect, it } from 'vitest';
import { findScaffoldConfig, setScaffoldConfigValue } from '../plugins/providers/scaffold-config.ts';
import { readConfigBlock } from '../plugins/tasks/shared/config-block.ts';
import { sampleScaffold } from './support/agent-fixtures.ts';

describe('scaffold config block', () => {
  it('finds the block and its file', () => {
    expect(findScaffoldConfig(sampleScaffold())).toEqual({
      path: 'solve.mjs',
      config: { promptStyle: 'plain', shortlist: 0, samples: 1, parser: 'exact' },
    });
  });

  it('looks beyond the entry file, and answers null without a block', () => {
    const scaffold = sampleScaffold();
    const moved = { entry: 'main.mjs', files: { 'main.mjs': 'export { solve } from "./solve.mjs";', ...scaffold.files } };
    expect(findScaffoldConfig(moved)?.path).toBe('solve.mjs');
    expect(findScaffoldConfig({ entry: 'a.mjs', files: { 'a.mjs': 'export async function solve() {}' } })).toBeNull();
  });

  it('changes one knob as a one-line code edit and leaves the input alone', () => {
    const before = sampleScaffold();
    const after = setScaffoldConfigValue(before, 'samples', 3);
    expect(readConfigBlock(after.files['solve.mjs'] as string)).toEqual({ promptStyle: 'plain', shortlist: 0, samples: 3, parser: 'exact' });
    const beforeLines = (before.files['solve.mjs'] as string).split('\n');
    const afterLines = (after.files['solve.mjs'] as string).split('\n');
    expect(afterLines.length).toBe(beforeLines.length);
    expect(afterLines.filter((line, index) => line !== beforeLines[index])).toHaveLength(1);
    expect(after.files['parse.mjs']).toBe(before.files['parse.mjs']);
    expect(readConfigBlock(before.files['solve.mjs'] as string).samples).toBe(1);
  });

  it('refuses a scaffold without a block, naming the files', () => {
    expect(() => setScaffoldConfigValue({ entry: 'a.mjs', files: { 'a.mjs': '' } }, 'samples', 3)).toThrow(/scaffold\.files/);
  });
});
