import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../../../core/errors.ts';
import type { TaskExample } from '../../../core/ports/task.ts';

export interface Gsm8kInput {
  question: string;
}
/** The final numeric answer (the number after `####`, commas removed). */
export type Gsm8kLabel = number;
export type Gsm8kExample = TaskExample<Gsm8kInput, Gsm8kLabel>;

export interface Gsm8kData {
  train: Gsm8kExample[];
  test: Gsm8kExample[];
  /** Worked solutions with `<<expr=result>>` annotations by example id; used to recompute labels after renumbering. */
  solutions: Map<string, string>;
}

function readPool(file: 'train' | 'test', solutions: Map<string, string>): Gsm8kExample[] {
  const url = new URL(`./data/${file}.jsonl`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(fileURLToPath(url), 'utf8');
  } catch (error) {
    throw new PluginError('gsm8k', `cannot read ${fileURLToPath(url)}`, { cause: error });
  }
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line, index) => {
      const record = JSON.parse(line) as { question: string; answer: string };
      const final = record.answer.slice(record.answer.lastIndexOf('####') + 4).trim().replace(/,/g, '');
      const label = Number(final);
      if (!record.answer.includes('####') || !Number.isFinite(label)) {
        throw new PluginError('gsm8k', `${file}.jsonl line ${index + 1}: no numeric answer after ####`);
      }
      const id = `gsm8k-${file}-${String(index).padStart(4, '0')}`;
      solutions.set(id, record.answer);
      return { id, input: { question: record.question }, label };
    });
}

/** Both official GSM8K files (7,473 train, 1,319 test). */
export function loadGsm8k(): Gsm8kData {
  const solutions = new Map<string, string>();
  return { train: readPool('train', solutions), test: readPool('test', solutions), solutions };
}
