/**
 * The tiny policy's case memory: what the train split teaches per answer, kept as a datastore beside the LoRA
 * matrices (the kNN-LM idea, Khandelwal et al. 2020). An entry is a prompt whose sampled answer earned its group's
 * best reward, with that answer. For a request, candidate j gets
 *   sim_j = max cosine(v(prompt), v(entry prompt)) over the entries that answered j,
 * where v is the prompt's hashed character unigrams and bigrams weighted by idf over every prompt the memory was
 * trained on; the policy adds gate·sim_j to its score (the gate is an adapter tensor). 250 LawBench cases over 140
 * charges teach a linear map little (1–2 cases per class), but the closest train case is a strong hint.
 */
import { sha256Hex } from '../hashing.ts';
import { hashFeature, normalizeText, type SparseVector } from './features.ts';

/** Hashed slots of the memory's prompt vectors: large enough that idf still tells common grams from rare ones. */
export const MEMORY_DIMS = 4096;

export interface MemoryEntry {
  prompt: string;
  answer: string;
}

export interface CaseMemory {
  /** Hashes of every distinct prompt counted in `df`, so merging an adapter's memory counts each prompt once. */
  documents: string[];
  /** Document frequency of each hashed slot over those prompts. */
  df: Float64Array;
  entries: MemoryEntry[];
}

export const emptyMemory = (): CaseMemory => ({ documents: [], df: new Float64Array(MEMORY_DIMS), entries: [] });

export const promptHash = (prompt: string): string => sha256Hex(prompt).slice(0, 16);

/** Slot → signed sublinear count of the prompt's character unigrams and bigrams. */
function slotCounts(prompt: string): Map<number, number> {
  const chars = Array.from(normalizeText(prompt)).filter((char) => char.trim() !== '');
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  chars.forEach((char, i) => {
    count(`w:${char}`);
    if (i > 0) count(`b:${chars[i - 1]}${char}`);
  });
  const slots = new Map<number, number>();
  for (const [name, n] of counts) {
    const hash = hashFeature(name);
    const sign = hash & 0x80000000 ? -1 : 1;
    slots.set(hash % MEMORY_DIMS, (slots.get(hash % MEMORY_DIMS) ?? 0) + sign * (1 + Math.log(n)));
  }
  return slots;
}

/** The memory with `prompts` counted for idf (once each) and `entries` added (once per prompt and answer). */
export function addToMemory(memory: CaseMemory, prompts: readonly string[], entries: readonly MemoryEntry[]): CaseMemory {
  const documents = new Set(memory.documents);
  const df = memory.df.slice();
  for (const prompt of prompts) {
    const hash = promptHash(prompt);
    if (documents.has(hash)) continue;
    documents.add(hash);
    for (const slot of slotCounts(prompt).keys()) df[slot] += 1;
  }
  const seen = new Set(memory.entries.map((entry) => `${promptHash(entry.prompt)}\u0000${entry.answer}`));
  const added = entries.filter((entry) => {
    const key = `${promptHash(entry.prompt)}\u0000${entry.answer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { documents: [...documents], df, entries: [...memory.entries, ...added] };
}

interface MemoryIndex {
  idf: Float64Array;
  keys: SparseVector[];
  answers: string[];
  hashes: string[];
}

const indexes = new WeakMap<CaseMemory, MemoryIndex>();

function weighted(slots: Map<number, number>, idf: Float64Array): SparseVector {
  const indices = Int32Array.from(slots.keys());
  const values = Float64Array.from(indices, (slot) => slots.get(slot)! * idf[slot]);
  const norm = Math.sqrt(values.reduce((sum, value) => sum + value * value, 0)) || 1;
  for (let i = 0; i < values.length; i++) values[i] /= norm;
  return { indices, values };
}

function indexOf(memory: CaseMemory): MemoryIndex {
  const cached = indexes.get(memory);
  if (cached) return cached;
  const documents = Math.max(1, memory.documents.length);
  // A slot no counted prompt had is as rare as can be: half a document.
  const idf = Float64Array.from(memory.df, (frequency) => Math.log(1 + documents / Math.max(frequency, 0.5)));
  const index = {
    idf,
    keys: memory.entries.map((entry) => weighted(slotCounts(entry.prompt), idf)),
    answers: memory.entries.map((entry) => normalizeText(entry.answer)),
    hashes: memory.entries.map((entry) => promptHash(entry.prompt)),
  };
  indexes.set(memory, index);
  return index;
}

/**
 * sim_j for each candidate (0 when no entry answered it). `leaveOut` skips the entries of this very prompt: training
 * rows are scored as unseen prompts are, so the gate learns what the memory is worth on new cases.
 */
export function memorySimilarities(memory: CaseMemory, prompt: string, candidates: readonly string[], leaveOut = false): Float64Array {
  const index = indexOf(memory);
  const sims = new Float64Array(candidates.length);
  if (memory.entries.length === 0) return sims;
  const query = new Float64Array(MEMORY_DIMS);
  const vector = weighted(slotCounts(prompt), index.idf);
  for (let n = 0; n < vector.indices.length; n++) query[vector.indices[n]] = vector.values[n];
  const own = leaveOut ? promptHash(prompt) : null;
  const best = new Map<string, number>();
  index.keys.forEach((key, e) => {
    if (index.hashes[e] === own) return;
    let dot = 0;
    for (let n = 0; n < key.indices.length; n++) dot += query[key.indices[n]] * key.values[n];
    const answer = index.answers[e];
    if (dot > (best.get(answer) ?? 0)) best.set(answer, dot);
  });
  candidates.forEach((candidate, j) => {
    sims[j] = best.get(normalizeText(candidate)) ?? 0;
  });
  return sims;
}
