/**
 * Seeded guided-choice data for the tiny policy's tests and bench: a note of made-up words, and candidates of which
 * exactly one appears in the note. Nothing about the rule is built into the model; it has to learn it.
 */
import { sha256Hex } from '../../core/hashing.ts';
import type { SequenceRow, TrainJob, TrainRow } from '../../core/ports/trainer.ts';
import { completeLossSpec } from '../../core/rl/loss-spec.ts';
import { TINY_BASE_MODEL } from '../../core/tiny/model.ts';
import { deriveSeed, seededRandom, shuffled } from '../../core/tiny/random.ts';
import { encodeBatch } from '../../plugins/trainers/job-schema.ts';

export interface ChoiceItem {
  prompt: string;
  candidates: string[];
  answer: number;
}

export function makeChoiceItems(count: number, seed: number, candidateCount = 4): ChoiceItem[] {
  const random = seededRandom(deriveSeed(seed, 'tiny-data'));
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const word = (): string => Array.from({ length: 5 }, () => letters[Math.floor(random.next() * 26)]).join('');
  return Array.from({ length: count }, () => {
    const note = Array.from({ length: 8 }, word);
    const answerWord = note[Math.floor(random.next() * note.length)];
    const candidates = shuffled([answerWord, ...Array.from({ length: candidateCount - 1 }, word)], random);
    return { prompt: `Which word appears in the note? Note: ${note.join(' ')}`, candidates, answer: candidates.indexOf(answerWord) };
  });
}

/** Behaviour-cloning rows: the right candidate of each item. */
export function crossEntropyRows(items: ChoiceItem[]): SequenceRow[] {
  return items.map((item, i) => ({
    group: `g${i}`,
    traj: `t${i}`,
    tokens: [item.answer],
    mask: [1],
    sampler_logprobs: [Math.log(1 / item.candidates.length)],
    ref_logprobs: null,
    reward: 1,
    context: { prompt: item.prompt, candidates: item.candidates },
  }));
}

export function makeJob(
  rows: TrainRow[],
  adapterOut: string,
  overrides: {
    loss?: Partial<TrainJob['loss']>;
    optim?: Partial<TrainJob['optim']>;
    lora?: Partial<TrainJob['lora']>;
    adapter_in?: string | null;
    job_id?: string;
  } = {},
): TrainJob {
  return {
    schema: 'sia.train-job/v1',
    job_id: overrides.job_id ?? 'job-1',
    base_model: TINY_BASE_MODEL,
    base_revision: null,
    adapter_in: overrides.adapter_in ?? null,
    adapter_out: adapterOut,
    lora: { rank: 8, alpha: 16, dropout: 0, target_modules: 'all-linear', target_parameters: [], ...overrides.lora },
    loss: { ...completeLossSpec({ kind: 'cross_entropy' }), ...overrides.loss },
    optim: { lr: 0.02, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip: 1, epochs: 3, minibatches: 4, seed: 0, ...overrides.optim },
    data: { uri: 'memory://rows', sha256: sha256Hex(encodeBatch(rows)), n_rows: rows.length },
  };
}
