import { ValidationError } from '../../../core/errors.ts';

/**
 * A reference scaffold keeps its harness knobs in one block that tools can read and rewrite:
 *   // sia:config-begin
 *   const CONFIG = { "promptStyle": "plain", "samples": 1 };
 *   // sia:config-end
 * The object between the markers must be valid JSON.
 */
export type ScaffoldConfig = Record<string, string | number | boolean>;

const BLOCK = /\/\/ sia:config-begin\r?\n([\s\S]*?)\/\/ sia:config-end/;
const ASSIGNMENT = /^\s*(?:export\s+)?const\s+CONFIG\s*=\s*([\s\S]*?);?\s*$/;

export function hasConfigBlock(source: string): boolean {
  return BLOCK.test(source);
}

export function readConfigBlock(source: string, file = 'scaffold'): ScaffoldConfig {
  const block = BLOCK.exec(source);
  if (!block) throw new ValidationError('no `// sia:config-begin` … `// sia:config-end` block', file);
  const assignment = ASSIGNMENT.exec(block[1]);
  if (!assignment) throw new ValidationError('config block must hold `const CONFIG = {…};`', file);
  let value: unknown;
  try {
    value = JSON.parse(assignment[1]);
  } catch (error) {
    throw new ValidationError(`CONFIG is not a JSON object literal: ${(error as Error).message}`, file);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('CONFIG must be a JSON object', file);
  }
  return value as ScaffoldConfig;
}

/** Returns the source with the config block replaced by `config` (one line, keys in the given order). */
export function writeConfigBlock(source: string, config: ScaffoldConfig, file = 'scaffold'): string {
  readConfigBlock(source, file);
  return source.replace(BLOCK, () => `// sia:config-begin\nconst CONFIG = ${JSON.stringify(config)};\n// sia:config-end`);
}
