/**
 * Scaffold-level access to the harness knobs block (`// sia:config-begin` … `// sia:config-end`). Parsing and
 * rewriting one source file is plugins/tasks/shared/config-block.ts; this finds the file that carries the block
 * and changes one knob, so an edit made through a knob is a real code edit with a real diff.
 */
import { ValidationError } from '../../core/errors.ts';
import type { ScaffoldFiles } from '../../core/ports/task.ts';
import { hasConfigBlock, readConfigBlock, type ScaffoldConfig, writeConfigBlock } from '../tasks/shared/config-block.ts';

export type { ScaffoldConfig };
export type ConfigValue = string | number | boolean;

/** The file that carries the config block (the entry file first, then the others in path order), with its config. */
export function findScaffoldConfig(scaffold: ScaffoldFiles): { path: string; config: ScaffoldConfig } | null {
  const paths = [
    scaffold.entry,
    ...Object.keys(scaffold.files)
      .filter((path) => path !== scaffold.entry)
      .sort(),
  ];
  for (const path of paths) {
    const source = scaffold.files[path];
    if (source !== undefined && hasConfigBlock(source)) return { path, config: readConfigBlock(source, path) };
  }
  return null;
}

/** A new scaffold whose config block has `key` set to `value` (the input is not changed). */
export function setScaffoldConfigValue(scaffold: ScaffoldFiles, key: string, value: ConfigValue): ScaffoldFiles {
  const found = findScaffoldConfig(scaffold);
  if (!found) throw new ValidationError('no file of the scaffold has a `// sia:config-begin` block', 'scaffold.files');
  const source = scaffold.files[found.path] as string;
  const rewritten = writeConfigBlock(source, { ...found.config, [key]: value }, found.path);
  return { entry: scaffold.entry, files: { ...scaffold.files, [found.path]: rewritten } };
}
