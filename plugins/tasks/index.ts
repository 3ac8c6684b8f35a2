import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NotFoundError, PluginError, ValidationError } from '../../core/errors.ts';
import type { Task, TaskFactory } from '../../core/ports/task.ts';
import { checkSplits } from './shared/check-splits.ts';
import { validateTask } from './shared/validate-task.ts';

interface PackagedTask {
  id: string;
  /** Loaded on demand so one task's data (or a task still being written) never slows or breaks the others. */
  load: () => Promise<Record<string, unknown>>;
}

/** Every task shipped with sia. Each folder's index.ts exports `createTask` (a TaskFactory). */
export const packagedTasks: PackagedTask[] = [
  { id: 'lawbench', load: () => import('./lawbench/index.ts') },
  { id: 'gsm8k', load: () => import('./gsm8k/index.ts') },
  { id: 'denoising', load: () => import('./denoising/index.ts') },
  { id: 'trimul', load: () => import('./trimul/index.ts') },
  { id: 'trimul-cpu', load: () => import('./trimul-cpu/index.ts') },
];

export const packagedTaskIds = (): string[] => packagedTasks.map((task) => task.id);

function factoryOf(module: Record<string, unknown>, source: string): TaskFactory {
  const factory = module.createTask ?? module.default;
  if (typeof factory !== 'function') {
    throw new ValidationError(`${source} must export a task factory as \`createTask\` or as the default export`, 'createTask');
  }
  return factory as TaskFactory;
}

/** A user's task folder: index.ts/.mjs/.js, or the `main` of its package.json; or a file given directly. */
function entryFileOf(path: string): string {
  if (!existsSync(path)) throw new NotFoundError(`task path ${path} does not exist`);
  if (statSync(path).isFile()) return path;
  const packageJson = join(path, 'package.json');
  if (existsSync(packageJson)) {
    const main = (JSON.parse(readFileSync(packageJson, 'utf8')) as { main?: unknown }).main;
    if (typeof main === 'string' && existsSync(join(path, main))) return join(path, main);
  }
  for (const name of ['index.ts', 'index.mjs', 'index.js']) if (existsSync(join(path, name))) return join(path, name);
  throw new ValidationError(`${path} has no index.ts, index.mjs, index.js or package.json "main"`, 'index');
}

const looksLikePath = (idOrPath: string) => idOrPath.includes('/') || idOrPath.includes('\\') || idOrPath.startsWith('.') || isAbsolute(idOrPath);

/**
 * Loads a packaged task by id, or a user's task from a path (a folder or file exporting a factory), and checks
 * it against the Task interface; errors name the missing field.
 */
export async function loadTask(idOrPath: string, options?: Record<string, unknown>): Promise<Task> {
  const packaged = packagedTasks.find((task) => task.id === idOrPath);
  if (!packaged && !looksLikePath(idOrPath) && !existsSync(idOrPath)) {
    throw new NotFoundError(`no task ${idOrPath}`, { hint: `packaged tasks: ${packagedTaskIds().join(', ')}; or pass a path like ./my-task` });
  }
  const source = packaged ? `plugins/tasks/${packaged.id}` : resolve(idOrPath);
  let module: Record<string, unknown>;
  try {
    module = packaged ? await packaged.load() : ((await import(pathToFileURL(entryFileOf(source)).href)) as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ValidationError || error instanceof NotFoundError) throw error;
    throw new PluginError(packaged?.id ?? source, `cannot import the task module: ${(error as Error).message}`, { cause: error });
  }
  const task = validateTask(await factoryOf(module, source)(options), source);
  // A user's task is checked for overlapping splits and label leaks; packaged tasks are tested for them.
  if (!packaged) checkSplits(task, source);
  return task;
}
