import { ValidationError } from '../../../core/errors.ts';
import type { Task, TaskExample } from '../../../core/ports/task.ts';

const SAMPLE = 20;

/**
 * Checks a user's task at load: no example id is in two splits, no two splits share an input (the scaffold would
 * be scored on items it was tuned on), and the view a scaffold sees does not carry the label (checked on a sample
 * of each split). The error names the task source and the items.
 */
export function checkSplits(task: Task, source: string, seed = 0): void {
  const splits = task.splits(seed);
  const owner = new Map<string, string>();
  const inputs = new Map<string, { split: string; id: string }>();
  for (const [split, examples] of Object.entries(splits) as [string, TaskExample[]][]) {
    for (const example of examples) {
      const seen = owner.get(example.id);
      if (seen !== undefined) throw new ValidationError(`example id ${example.id} is in both ${seen} and ${split} (in ${source})`, 'task.splits');
      owner.set(example.id, split);
      const input = JSON.stringify(task.view(example).input) ?? 'undefined';
      const twin = inputs.get(input);
      if (twin && twin.split !== split) throw new ValidationError(`${twin.id} (${twin.split}) and ${example.id} (${split}) have the same input: splits must not share items (in ${source})`, 'task.splits');
      inputs.set(input, { split, id: example.id });
    }
    for (const example of examples.slice(0, SAMPLE)) {
      if (carries(task.view(example), example.label)) {
        throw new ValidationError(`the view of ${example.id} (${split}) contains its label: the scaffold would see the answer (in ${source})`, 'task.view');
      }
    }
  }
}

/** Whether any value inside the view equals the label, or a long string label stands in the view's text. */
function carries(view: unknown, label: unknown): boolean {
  const target = JSON.stringify(label);
  const walk = (value: unknown): boolean => {
    if (JSON.stringify(value) === target) return true;
    if (Array.isArray(value)) return value.some(walk);
    if (value && typeof value === 'object') return Object.values(value).some(walk);
    return false;
  };
  return walk(view) || (typeof label === 'string' && label.length >= 8 && JSON.stringify(view).includes(JSON.stringify(label).slice(1, -1)));
}
