/**
 * How a training job grows the tiny adapter's case memory (core/tiny/memory.ts): which rows it remembers, the
 * leave-one-out similarities every row is trained with, and the gate's line search.
 */
import type { TinyAdapter } from './adapter.ts';
import { addToMemory, type CaseMemory, memorySimilarities, promptHash } from './memory.ts';
import { type BaseWeights, forward } from './model.ts';
import type { EncodedChoice, PreparedRow } from './training.ts';

const choicesOf = (prepared: PreparedRow[]): EncodedChoice[] =>
  prepared.flatMap((item) => (item.kind === 'sequence' ? [item.choice] : [item.chosen, item.rejected]));

/**
 * The case memory grown by a job: every prompt counts for idf, and each group's best-rewarded sampled answers
 * (reward > 0: what best-of-N cloning would imitate) become entries. Preference rows carry no reward: idf only.
 */
export function rememberRows(memory: CaseMemory, prepared: PreparedRow[]): CaseMemory {
  const sequences = prepared.flatMap((item) => (item.kind === 'sequence' ? [item] : []));
  const best = new Map<string, number>();
  for (const { row } of sequences) best.set(row.group, Math.max(best.get(row.group) ?? -Infinity, row.reward));
  const entries = sequences
    .filter(({ row }) => row.reward > 0 && row.reward === best.get(row.group))
    .map(({ choice }) => ({ prompt: choice.prompt, answer: choice.candidates[choice.chosen] }));
  return addToMemory(
    memory,
    choicesOf(prepared).map((choice) => choice.prompt),
    entries,
  );
}

/** Gives every row its leave-one-out memory similarities (each distinct prompt and candidate list computed once). */
export function attachMemory(prepared: PreparedRow[], memory: CaseMemory): void {
  const computed = new Map<string, Float64Array>();
  for (const choice of choicesOf(prepared)) {
    const key = JSON.stringify([choice.prompt, choice.candidates]);
    const sims = computed.get(key) ?? memorySimilarities(memory, choice.prompt, choice.candidates, true);
    computed.set(key, sims);
    choice.input.memorySims = sims;
  }
}

/**
 * Grows the adapter's case memory from a job's rows and gives every row its leave-one-out similarities, then fits the
 * gate on the rows of prompts the memory had no answer for before this job: the starting LoRA was never rewarded on
 * those, so they show what the memory adds on new prompts (on the others the LoRA already learned the answer, which
 * would talk the gate down).
 */
export function prepareMemory(base: BaseWeights, adapter: TinyAdapter, prepared: PreparedRow[]): void {
  if (!adapter.memory) return;
  const known = new Set(adapter.memory.store.entries.map((entry) => promptHash(entry.prompt)));
  adapter.memory.store = rememberRows(adapter.memory.store, prepared);
  attachMemory(prepared, adapter.memory.store);
  fitMemoryGate(
    base,
    adapter,
    prepared.filter((item) => item.kind === 'sequence' && !known.has(promptHash(item.choice.prompt))),
  );
}

const GATE_GRID = [0, 0.5, 1, 2, 4, 8, 16, 32];

/**
 * The memory gate at which the starting adapter gives the rewarded answers of `prepared` the highest leave-one-out
 * log-likelihood: a line search before the gradient steps, which then move it like any weight (Adam moves a scalar
 * by about lr per step, too slowly to find its scale alone). Without a rewarded row the gate stays as it is.
 */
export function fitMemoryGate(base: BaseWeights, adapter: TinyAdapter, prepared: PreparedRow[]): number {
  const memory = adapter.memory;
  if (!memory) return 0;
  const remembered = prepared.flatMap((item) => {
    if (item.kind !== 'sequence' || !(item.row.reward > 0)) return [];
    return [item.choice];
  });
  if (remembered.length === 0 || memory.store.entries.length === 0) return memory.gate[0];
  let best = { gate: 0, logLikelihood: -Infinity };
  for (const gate of GATE_GRID) {
    memory.gate[0] = gate;
    const logLikelihood = remembered.reduce((sum, choice) => sum + forward(base, adapter, choice.input).logprobs[choice.chosen], 0);
    if (logLikelihood > best.logLikelihood) best = { gate, logLikelihood };
  }
  memory.gate[0] = best.gate;
  return best.gate;
}
