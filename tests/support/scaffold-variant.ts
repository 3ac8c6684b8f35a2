import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScaffoldFiles } from '../../core/ports/task.ts';
import { readConfigBlock, type ScaffoldConfig, writeConfigBlock } from '../../plugins/tasks/shared/config-block.ts';

type Solve = (example: unknown, ctx: unknown) => Promise<unknown>;
let variant = 0;

/** Writes a scaffold's files to a fresh temp dir with CONFIG overrides, as the sandbox would, and imports its entry. */
export async function importScaffoldVariant(scaffold: ScaffoldFiles, overrides: ScaffoldConfig = {}): Promise<Solve> {
  const dir = join(mkdtempSync(join(tmpdir(), 'sia-scaffold-variant-')), `v${variant++}`);
  for (const [name, content] of Object.entries(scaffold.files)) {
    const source = name === scaffold.entry ? writeConfigBlock(content, { ...readConfigBlock(content), ...overrides }) : content;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), source);
  }
  return ((await import(pathToFileURL(join(dir, scaffold.entry)).href)) as { solve: Solve }).solve;
}
