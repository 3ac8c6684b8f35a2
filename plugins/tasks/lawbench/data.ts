import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PluginError } from '../../../core/errors.ts';
import type { TaskExample } from '../../../core/ports/task.ts';

export interface LawbenchInput {
  /** Case facts (事实) with the "事实:" prefix removed. */
  facts: string;
}
/** Gold charges in the source's order; the first is the single-label target. */
export type LawbenchLabel = string[];
export type LawbenchExample = TaskExample<LawbenchInput, LawbenchLabel>;

const DATA_FILE = new URL('./data/lawbench-3-3.zero_shot.json', import.meta.url);

interface RawRecord {
  instruction: string;
  question: string;
  answer: string;
}

/** All 500 LawBench 3-3 cases, ids `lawbench-000`…`lawbench-499` by position in the file. */
export function loadLawbenchExamples(): LawbenchExample[] {
  let records: RawRecord[];
  try {
    records = JSON.parse(readFileSync(fileURLToPath(DATA_FILE), 'utf8')) as RawRecord[];
  } catch (error) {
    throw new PluginError('lawbench', `cannot read ${fileURLToPath(DATA_FILE)}`, { cause: error });
  }
  return records.map((record, index) => {
    const charges = record.answer.replace(/^罪名[:：]/, '').split(/[;；]/).map((charge) => charge.trim()).filter(Boolean);
    if (charges.length === 0) throw new PluginError('lawbench', `record ${index} has no charge in its answer`);
    return {
      id: `lawbench-${String(index).padStart(3, '0')}`,
      input: { facts: record.question.replace(/^事实[:：]/, '').trim() },
      label: charges,
    };
  });
}

/** The class set: every distinct charge in the data, sorted (derived, not copied from LawBench's option list). */
export function chargeClasses(examples: readonly LawbenchExample[]): string[] {
  return [...new Set(examples.flatMap((example) => example.label))].sort();
}
