/**
 * LawBench 3-3 as single-label top-1: the first predicted charge is correct when it matches ANY gold charge.
 * Set-F1 of all predicted charges against the gold set (LawBench's own metric, but with exact instead of
 * greedy substring matching) is kept in detail. A missing or unparsable answer scores 0.
 * Self-contained on purpose: its source is hashed into every reward event.
 */
import type { TaskExample, Verdict } from '../../../core/ports/task.ts';

/** Normalises one charge name: LawBench answer markers, whitespace, and an optional trailing 罪 go. */
export function normalizeCharge(charge: string): string {
  return charge
    .replace(/\[罪名\]|<eoa>|^罪名[:：]/g, '')
    .replace(/\s+/g, '')
    .replace(/罪$/, '');
}

/** Accepts a charge string ("盗窃", "罪名:盗窃;诈骗", "[罪名]盗窃<eoa>") or an array of charge strings. */
export function parseCharges(output: unknown): string[] {
  const raw = typeof output === 'string' ? output.split(/[;；,，\n]/) : Array.isArray(output) ? output : [];
  const charges = raw.filter((item): item is string => typeof item === 'string').map(normalizeCharge).filter(Boolean);
  return [...new Set(charges)];
}

export function scoreLawbench(example: TaskExample, output: unknown): Verdict {
  const gold = new Set((example.label as string[]).map(normalizeCharge));
  const predicted = parseCharges(output);
  const top1 = predicted.length > 0 && gold.has(predicted[0]) ? 1 : 0;
  const hits = predicted.filter((charge) => gold.has(charge)).length;
  const precision = predicted.length ? hits / predicted.length : 0;
  const recall = gold.size ? hits / gold.size : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    reward: top1,
    metric: top1,
    detail: { predicted, gold: [...gold], setF1: f1, abstained: predicted.length === 0 },
  };
}
