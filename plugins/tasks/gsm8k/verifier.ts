/**
 * GSM8K exact numeric answer: the output (a number, or text whose last number is taken, commas and `$` ignored,
 * or the number after `####` when present) must equal the gold answer. Missing or unparsable scores 0.
 * Self-contained on purpose: its source is hashed into every reward event.
 */
import type { TaskExample, Verdict } from '../../../core/ports/task.ts';

export function parseNumericAnswer(output: unknown): number | null {
  if (typeof output === 'number') return Number.isFinite(output) ? output : null;
  if (typeof output !== 'string') return null;
  const text = output.includes('####') ? output.slice(output.lastIndexOf('####') + 4) : output;
  const numbers = text.replace(/(\d),(?=\d{3})/g, '$1').replace(/\$/g, '').match(/-?\d+(?:\.\d+)?/g);
  return numbers ? Number(numbers[numbers.length - 1]) : null;
}

export function scoreGsm8k(example: TaskExample, output: unknown): Verdict {
  const gold = example.label as number;
  const parsed = parseNumericAnswer(output);
  const correct = parsed !== null && Math.abs(parsed - gold) <= 1e-6 * Math.max(1, Math.abs(gold)) ? 1 : 0;
  return { reward: correct, metric: correct, detail: { parsed, gold, abstained: parsed === null } };
}
