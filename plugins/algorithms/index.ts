/** The algorithm registry (a plain list) and the loader for a user's own algorithm file or folder. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NotFoundError, PluginError, ValidationError } from '../../core/errors.ts';
import type { Algorithm, AlgorithmFactory } from '../../core/ports/algorithm.ts';
import { createBonBc } from './bon-bc.ts';
import { createDpo } from './dpo.ts';
import { createEntropic } from './entropic.ts';
import { createGrpo } from './grpo.ts';
import { createPpoGae } from './ppo-gae.ts';
import { createReinforceKl } from './reinforce-kl.ts';
import { createRloo } from './rloo.ts';

export const algorithmFactories: readonly AlgorithmFactory[] = [
  createPpoGae,
  createGrpo,
  createRloo,
  createEntropic,
  createReinforceKl,
  createDpo,
  createBonBc,
];

export function listAlgorithms(): Algorithm[] {
  return algorithmFactories.map((create) => create());
}

export function getAlgorithm(id: string): Algorithm {
  const algorithms = listAlgorithms();
  const found = algorithms.find((algorithm) => algorithm.id === id);
  if (!found) throw new ValidationError(`unknown algorithm "${id}"; known: ${algorithms.map((a) => a.id).join(', ')}`, 'algorithm');
  return found;
}

const LOSS_KINDS = ['is', 'ppo_clip', 'cispo', 'cross_entropy', 'dpo', 'ppo_gae'];

/**
 * A built-in id, or a path to a .ts/.js file (or a folder with index.ts/index.js) whose default export, or a named
 * export `create…`, is an AlgorithmFactory. The algorithm it makes is checked against the interface, including that
 * plan([]) returns an empty plan with a known loss kind (which is also how `sia algos list` learns the loss kind).
 */
export async function loadAlgorithm(pathOrId: string): Promise<Algorithm> {
  const builtIn = listAlgorithms().find((algorithm) => algorithm.id === pathOrId);
  if (builtIn) return builtIn;
  const looksLikePath = /[/\\]|\.[cm]?[jt]s$/.test(pathOrId);
  if (!looksLikePath && !existsSync(pathOrId)) return getAlgorithm(pathOrId);
  const file = resolveModuleFile(pathOrId);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    // tsx treats a .ts file outside an ESM package as CommonJS, which cannot hold ESM exports.
    const commonJs = (error as { code?: string }).code?.startsWith('ERR_REQUIRE') ?? false;
    const hint = commonJs ? 'name the file .mts, or put a package.json with {"type": "module"} next to it' : undefined;
    throw new PluginError(pathOrId, `could not import ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error, hint });
  }
  const factory = findFactory(module);
  if (!factory) {
    throw new PluginError(pathOrId, 'exports no algorithm factory: export default a function, or a named export create…, returning an Algorithm');
  }
  let algorithm: unknown;
  try {
    algorithm = factory();
  } catch (error) {
    throw new PluginError(pathOrId, `the factory threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return validateAlgorithm(algorithm, pathOrId);
}

function resolveModuleFile(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute))
    throw new NotFoundError(
      `no algorithm file or folder at ${absolute}; built-in ids: ${listAlgorithms()
        .map((a) => a.id)
        .join(', ')}`,
    );
  if (!statSync(absolute).isDirectory()) return absolute;
  const index = ['index.ts', 'index.mts', 'index.js', 'index.mjs'].map((name) => join(absolute, name)).find((candidate) => existsSync(candidate));
  if (!index) throw new NotFoundError(`algorithm folder ${absolute} has no index.ts or index.js`);
  return index;
}

function findFactory(module: Record<string, unknown>): (() => unknown) | undefined {
  if (typeof module.default === 'function') return module.default as () => unknown;
  const named = Object.entries(module).find(([name, value]) => name.startsWith('create') && typeof value === 'function');
  return named?.[1] as (() => unknown) | undefined;
}

/** Names every missing or mistyped member at once, so a user fixes their file in one go. */
export function validateAlgorithm(candidate: unknown, source: string): Algorithm {
  if (typeof candidate !== 'object' || candidate === null)
    throw new PluginError(source, `the factory returned ${candidate === null ? 'null' : typeof candidate}, not an Algorithm object`);
  const value = candidate as Record<string, unknown>;
  const problems: string[] = [];
  for (const name of ['id', 'title', 'suits']) {
    if (typeof value[name] !== 'string' || value[name] === '') problems.push(`${name} (non-empty string)`);
  }
  if (typeof value.defaults !== 'object' || value.defaults === null || Array.isArray(value.defaults))
    problems.push('defaults (object of number | string | boolean)');
  if (typeof value.plan !== 'function') problems.push('plan (function (groups, options) => AlgorithmPlan)');
  if (problems.length) throw new PluginError(source, `not an Algorithm; missing or wrong: ${problems.join(', ')}`);
  const algorithm = value as unknown as Algorithm;
  let empty: unknown;
  try {
    empty = algorithm.plan([]);
  } catch (error) {
    throw new PluginError(source, `plan([]) threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const plan = empty as { rows?: unknown; loss?: { kind?: unknown }; stats?: unknown } | null;
  if (!plan || !Array.isArray(plan.rows) || typeof plan.stats !== 'object' || !LOSS_KINDS.includes(plan.loss?.kind as string)) {
    throw new PluginError(source, `plan([]) must return { rows: [], loss: { kind: ${LOSS_KINDS.join('|')} }, stats: {} }`);
  }
  return algorithm;
}

/** The loss kind an algorithm trains with, read from its plan for an empty batch. */
export function lossKindOf(algorithm: Algorithm): string {
  return algorithm.plan([]).loss.kind;
}
