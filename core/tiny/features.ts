/**
 * Hashed features of the tiny policy. φ(prompt) and ψ(candidate) are sparse signed hashes of words, word/character
 * bigrams, the whole candidate and number shapes; π(prompt, candidate) are dense "does this candidate fit this prompt"
 * features (overlap, numbers, agreement among candidates) that transfer across items, so a handful of updates can
 * already help on maths answers, charge names or any candidates the scaffold computes.
 */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

export const PAIR_FEATURES = [
  'exact_substring',
  'token_recall',
  'bigram_recall',
  'trigram_recall',
  'leading_number_in_prompt',
  'number_recall',
  'has_number',
  'equals_last_prompt_number',
  'agreement',
  'is_first',
  'relative_position',
  'log_length',
  'has_equation',
  'is_integer',
  'exceeds_prompt_numbers',
  'log_magnitude',
] as const;
export const PAIR_DIMS = PAIR_FEATURES.length;

export interface PromptView {
  /** φ: index 0 is a constant bias, so the bilinear form also learns candidate priors. */
  features: SparseVector;
  text: string;
  tokens: Set<string>;
  bigrams: Set<string>;
  trigrams: Set<string>;
  numbers: string[];
  maxNumber: number;
  /** Words, Han characters and numbers: the usage count the policy reports. */
  tokenCount: number;
}

export interface CandidateView {
  /** ψ, index 0 a constant bias. */
  features: SparseVector;
  /** π, PAIR_DIMS dense values. */
  pair: Float64Array;
}

const TOKEN = /\p{Script=Han}|\p{L}+|\d+(?:,\d{3})*(?:\.\d+)?/gu;
const OPERATORS = /[+\-*/×÷=]/g;
const LEADING_NUMBER = /^[^\d-]*(-?\d+(?:,\d{3})*(?:\.\d+)?)/;

export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim();
}

function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const isNumber = (token: string): boolean => token.charCodeAt(0) >= 48 && token.charCodeAt(0) <= 57;
const canonicalNumber = (token: string): string => String(Number(token.replace(/,/g, '')));

function bigramsOf(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < tokens.length; i++) out.push(`${tokens[i - 1]} ${tokens[i]}`);
  return out;
}

function trigramsOf(text: string): string[] {
  const padded = ` ${text} `;
  const out: string[] = [];
  for (let i = 0; i + 3 <= padded.length; i++) out.push(padded.slice(i, i + 3));
  return out;
}

/** FNV-1a; the top bit of a second mix gives the sign so collisions cancel on average instead of piling up. */
export function hashFeature(feature: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) hash = Math.imul(hash ^ feature.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Counts → signed hashed vector, sublinear in counts, unit L2 norm, plus the bias at index 0. */
function hashedVector(featureNames: string[], dims: number): SparseVector {
  const counts = new Map<string, number>();
  for (const name of featureNames) counts.set(name, (counts.get(name) ?? 0) + 1);
  const slots = new Map<number, number>();
  for (const [name, count] of counts) {
    const hash = hashFeature(name);
    const index = 1 + (hash % (dims - 1));
    const sign = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) & 0x80000000 ? -1 : 1;
    slots.set(index, (slots.get(index) ?? 0) + sign * (1 + Math.log(count)));
  }
  let norm = 0;
  for (const value of slots.values()) norm += value * value;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const indices = new Int32Array(slots.size + 1);
  const values = new Float64Array(slots.size + 1);
  values[0] = 1;
  let k = 1;
  for (const [index, value] of slots) {
    indices[k] = index;
    values[k++] = value * scale;
  }
  return { indices, values };
}

export function encodePrompt(rawText: string, dims: number): PromptView {
  const text = normalizeText(rawText);
  const tokens = tokenize(text);
  const bigrams = bigramsOf(tokens);
  const numbers = tokens.filter(isNumber).map(canonicalNumber);
  const names = [...tokens.map((t) => `w:${t}`), ...bigrams.map((b) => `b:${b}`)];
  return {
    features: hashedVector(names, dims),
    text,
    tokens: new Set(tokens),
    bigrams: new Set(bigrams),
    trigrams: new Set(trigramsOf(text)),
    numbers,
    maxNumber: numbers.reduce((max, n) => Math.max(max, Number(n)), 0),
    tokenCount: tokens.length,
  };
}

function recall(items: string[], pool: Set<string>): number {
  if (items.length === 0) return 0;
  let hits = 0;
  for (const item of items) if (pool.has(item)) hits++;
  return hits / items.length;
}

function leadingNumberOf(text: string): string | null {
  const match = LEADING_NUMBER.exec(text);
  return match ? canonicalNumber(match[1]) : null;
}

/** Everything about a candidate that does not depend on the prompt: cacheable across requests (e.g. 191 charges). */
export interface CandidateDescription {
  text: string;
  tokens: string[];
  bigrams: string[];
  trigrams: string[];
  numbers: string[];
  leading: string | null;
  features: SparseVector;
}

export type CandidateCache = Map<string, CandidateDescription>;

function describeCandidate(raw: string, dims: number): CandidateDescription {
  const text = normalizeText(raw);
  const tokens = tokenize(text);
  const bigrams = bigramsOf(tokens);
  const trigrams = trigramsOf(text);
  const leading = leadingNumberOf(text);
  const names = [`id:${text}`, ...tokens.map((t) => `w:${t}`), ...bigrams.map((b) => `b:${b}`), ...trigrams.map((t) => `c:${t}`)];
  for (const operator of text.match(OPERATORS) ?? []) names.push(`op:${operator}`);
  if (leading !== null) {
    const value = Number(leading);
    names.push(`num:${Number.isInteger(value) ? 'int' : 'dec'}`, `num:${value < 0 ? 'neg' : 'pos'}`, `numlen:${leading.length}`);
  }
  return { text, tokens, bigrams, trigrams, numbers: tokens.filter(isNumber).map(canonicalNumber), leading, features: hashedVector(names, dims) };
}

const CACHE_LIMIT = 50_000;

function cachedDescription(raw: string, dims: number, cache: CandidateCache | undefined): CandidateDescription {
  const key = `${dims}\u0000${raw}`;
  const hit = cache?.get(key);
  if (hit) return hit;
  const described = describeCandidate(raw, dims);
  if (cache && cache.size < CACHE_LIMIT) cache.set(key, described);
  return described;
}

/** ψ and π for every candidate of one guided choice (π needs the whole set for agreement and position). */
export function encodeCandidates(prompt: PromptView, candidates: readonly string[], dims: number, cache?: CandidateCache): CandidateView[] {
  const described = candidates.map((raw) => cachedDescription(raw, dims, cache));
  const promptNumbers = new Set(prompt.numbers);
  const lastPromptNumber = prompt.numbers[prompt.numbers.length - 1] ?? null;
  // Candidates agree when they give the same number (or, without one, the same text): a self-consistency vote.
  const keyOf = (candidate: CandidateDescription): string => candidate.leading ?? candidate.text;
  const keyCounts = new Map<string, number>();
  for (const candidate of described) keyCounts.set(keyOf(candidate), (keyCounts.get(keyOf(candidate)) ?? 0) + 1);
  const others = Math.max(1, described.length - 1);
  return described.map((candidate, index) => {
    const { text, leading } = candidate;
    const value = leading === null ? 0 : Number(leading);
    const pair = new Float64Array([
      text.length > 0 && prompt.text.includes(text) ? 1 : 0,
      recall(candidate.tokens, prompt.tokens),
      recall(candidate.bigrams, prompt.bigrams),
      recall(candidate.trigrams, prompt.trigrams),
      leading !== null && promptNumbers.has(leading.replace(/^-/, '')) ? 1 : 0,
      recall(candidate.numbers, promptNumbers),
      leading === null ? 0 : 1,
      leading !== null && leading === lastPromptNumber ? 1 : 0,
      ((keyCounts.get(keyOf(candidate)) ?? 1) - 1) / others,
      index === 0 ? 1 : 0,
      index / others,
      Math.log1p(text.length) / 5,
      text.includes('=') ? 1 : 0,
      leading !== null && Number.isInteger(value) ? 1 : 0,
      leading !== null && value > prompt.maxNumber ? 1 : 0,
      (Math.sign(value) * Math.log1p(Math.abs(value))) / 10,
    ]);
    return { features: candidate.features, pair };
  });
}
