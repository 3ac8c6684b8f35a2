/**
 * case_memory.json: the tiny adapter's case memory (core/tiny/memory.ts) as written beside its safetensors and
 * listed, with its sha256, in the manifest. Prompts are stored as text (smaller than their vectors for Chinese
 * facts), document frequencies as [slot, count] pairs.
 */
import { ValidationError } from '../../core/errors.ts';
import { type CaseMemory, MEMORY_DIMS } from '../../core/tiny/memory.ts';

export const MEMORY_FILE = 'case_memory.json';
const FORMAT = 'sia.case-memory.v1';

export function encodeMemory(memory: CaseMemory): string {
  const df: Array<[number, number]> = [];
  memory.df.forEach((count, slot) => {
    if (count > 0) df.push([slot, count]);
  });
  return `${JSON.stringify({ format: FORMAT, dims: MEMORY_DIMS, documents: memory.documents, df, entries: memory.entries })}\n`;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Parses the file's text; `field` (its path) names the culprit in errors. */
export function decodeMemory(text: string, field: string): CaseMemory {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ValidationError('is not valid JSON', field);
  }
  if (raw?.format !== FORMAT || raw.dims !== MEMORY_DIMS) throw new ValidationError(`needs format "${FORMAT}" with dims ${MEMORY_DIMS}`, field);
  const { documents, df, entries } = raw;
  if (!Array.isArray(documents) || !documents.every(isString)) throw new ValidationError('documents must be an array of prompt hashes', field);
  const frequencies = new Float64Array(MEMORY_DIMS);
  if (!Array.isArray(df)) throw new ValidationError('df must be an array of [slot, count] pairs', field);
  for (const pair of df) {
    const [slot, count] = Array.isArray(pair) ? pair : [];
    if (!Number.isInteger(slot) || slot < 0 || slot >= MEMORY_DIMS || !(count > 0 && count <= documents.length)) {
      throw new ValidationError(`df holds ${JSON.stringify(pair)}; each pair needs a slot below ${MEMORY_DIMS} and a count of 1…${documents.length}`, field);
    }
    frequencies[slot] = count;
  }
  if (!Array.isArray(entries) || !entries.every((entry) => isString(entry?.prompt) && isString(entry?.answer))) {
    throw new ValidationError('entries must be an array of { prompt, answer } strings', field);
  }
  return { documents, df: frequencies, entries: entries.map(({ prompt, answer }) => ({ prompt, answer })) };
}
