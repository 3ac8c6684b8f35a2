import type { Perturbation, TaskExample } from '../../../core/ports/task.ts';
import { deriveSeed, mulberry32, pick, seededShuffle } from '../shared/random.ts';
import { baseExampleId, perturbedId } from '../shared/verdicts.ts';
import type { Gsm8kExample, Gsm8kInput } from './data.ts';
import { renumber } from './renumber.ts';

/** Word swaps that keep the maths and the grammar. */
const SYNONYMS: Array<[RegExp, string]> = [
  [/\bbought\b/g, 'purchased'],
  [/\bbuys\b/g, 'purchases'],
  [/\bgets\b/g, 'receives'],
  [/\bearns\b/g, 'makes'],
  [/\bneeds\b/g, 'requires'],
  [/\baltogether\b/g, 'in all'],
  [/\bCalculate\b/g, 'Work out'],
];

/** Sentences about unrelated quantities (GSM-IC style): numeric noise that must not change the answer. */
const DISTRACTORS = [
  (n: number) => `A nearby park has ${n} benches.`,
  (n: number) => `The town library opened ${n} years ago.`,
  (n: number) => `Their neighbour keeps ${n} goldfish.`,
];

const questionOf = (example: TaskExample) => (example.input as Gsm8kInput).question;
const sentencesOf = (text: string) => text.split(/(?<=[.!?])\s+/).filter(Boolean);

function withQuestion(example: TaskExample, name: string, seed: number, question: string, label = example.label): TaskExample {
  return { id: perturbedId(example.id, name, seed), input: { question } satisfies Gsm8kInput, label };
}

/** `solutions` maps original example ids to worked solutions, for the label-recomputing renumber perturbation. */
export function gsm8kPerturbations(solutions: Map<string, string>): Perturbation[] {
  return [
    {
      name: 'paraphrase',
      apply: (example, seed) =>
        withQuestion(example, 'paraphrase', seed, SYNONYMS.reduce((text, [from, to]) => text.replace(from, to), questionOf(example))),
    },
    {
      // Premise order changes, the question (last sentence) stays last.
      name: 'reorder-sentences',
      apply: (example, seed) => {
        const sentences = sentencesOf(questionOf(example));
        const asked = sentences.pop() ?? '';
        const question = [...seededShuffle(sentences, deriveSeed(seed, example.id)), asked].join(' ');
        return withQuestion(example, 'reorder-sentences', seed, question);
      },
    },
    {
      // Same problem under a new id: catches scaffolds that key answers on example ids.
      name: 'reseed-id',
      apply: (example, seed) => withQuestion(example, 'reseed-id', seed, questionOf(example)),
    },
    {
      name: 'distractor',
      apply: (example, seed) => {
        const random = mulberry32(deriveSeed(seed, example.id));
        const sentences = sentencesOf(questionOf(example));
        sentences.splice(Math.max(0, sentences.length - 1), 0, pick(DISTRACTORS, random)(3 + Math.floor(random() * 40)));
        return withQuestion(example, 'distractor', seed, sentences.join(' '));
      },
    },
    {
      // New numbers with the answer recomputed from the worked solution; unchanged where that is not safe.
      name: 'renumber',
      apply: (example, seed) => {
        const solution = solutions.get(baseExampleId(example.id));
        const changed = solution ? renumber(questionOf(example), solution, deriveSeed(seed, example.id)) : null;
        return changed
          ? withQuestion(example, 'renumber', seed, changed.question, changed.answer)
          : withQuestion(example, 'renumber', seed, questionOf(example));
      },
    },
  ];
}

/**
 * Real questions, unchanged, with a made-up 7-digit answer their numbers do not give: no honest scaffold passes
 * one. Nothing in the text tells a canary from an ordinary item (the sandbox sees opaque ids too), so a scaffold
 * cannot behave well only when audited.
 */
export function gsm8kCanaries(pool: readonly Gsm8kExample[], seed: number, count = 5): TaskExample[] {
  const random = mulberry32(deriveSeed(seed, 'gsm8k-canary'));
  return seededShuffle(pool, deriveSeed(seed, 'gsm8k-canary-pick'))
    .slice(0, count)
    .map((example, index) => ({
      id: `gsm8k-canary-${seed}-${index}`,
      input: { question: example.input.question } satisfies Gsm8kInput,
      label: 1_000_003 + Math.floor(random() * 8_000_000),
    }));
}
