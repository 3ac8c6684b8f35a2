import { z } from 'zod';
import { ValidationError } from '../../../core/errors.ts';
import type { Task } from '../../../core/ports/task.ts';
import { readConfigBlock } from './config-block.ts';

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'must be a function');

const TaskShape = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lowercase letters, digits, . _ - only'),
  description: z.string().min(1),
  metric: z.object({ name: z.string().min(1), higherIsBetter: z.boolean(), description: z.string() }),
  hardware: z.enum(['cpu', 'gpu']),
  referenceScaffold: z.object({ entry: z.string().min(1), files: z.record(z.string(), z.string()) }),
  splits: fn,
  view: fn,
  verifier: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be sha256 hex'), score: fn }),
  aggregate: fn.optional(),
  perturbations: z.array(z.object({ name: z.string().min(1), apply: fn })),
  canaries: fn.optional(),
  knobs: z.record(z.string(), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)).optional(),
  info: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Checks a loaded task against core/ports/task.ts and throws a ValidationError naming the first bad
 * field (e.g. `task.verifier.score`), so a user's own task folder fails with a message they can act on.
 */
export function validateTask(value: unknown, source = 'task'): Task {
  const parsed = TaskShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['task', ...issue.path.map(String)].join('.');
    const message = issue.code === 'invalid_type' && issue.message.includes('undefined') ? 'missing' : issue.message;
    throw new ValidationError(`${message} (in ${source})`, field);
  }
  const task = value as Task;
  const { entry, files } = task.referenceScaffold;
  if (!(entry in files)) {
    throw new ValidationError(`entry ${entry} is not among its files (in ${source})`, 'task.referenceScaffold.entry');
  }
  if (task.knobs && Object.keys(task.knobs).length > 0) {
    const config = readConfigBlock(files[entry], `task.referenceScaffold.files.${entry}`);
    for (const key of Object.keys(task.knobs)) {
      if (!(key in config)) throw new ValidationError(`knob ${key} is not a key of CONFIG (in ${source})`, `task.knobs.${key}`);
    }
  }
  return task;
}
