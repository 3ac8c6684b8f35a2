import type { Task, TaskExample, TaskFactory } from '../../../core/ports/task.ts';
import { seededShuffle } from '../shared/random.ts';
import { readScaffoldDir } from '../shared/scaffold-files.ts';
import { splitSizesFrom } from '../shared/splits.ts';
import { hashVerifierSources } from '../shared/verifier-hash.ts';
import { labelFreeView, meanMetric } from '../shared/verdicts.ts';
import { ValidationError } from '../../../core/errors.ts';
import { loadGsm8k } from './data.ts';
import { gsm8kCanaries, gsm8kPerturbations } from './perturbations.ts';
import { scoreGsm8k } from './verifier.ts';

const DESCRIPTION = `GSM8K grade-school maths word problems (OpenAI, MIT).
Input: {question}. Output: the final numeric answer (a number, or text whose last number is the answer).
Metric: exact-match accuracy over every item; a missing or unparsable answer is wrong.
The offline policy can only choose among candidate strings (guided choice), so the scaffold must do the arithmetic:
propose candidate answers computed from the question's numbers and let the policy choose.`;

/**
 * A fixed seeded subset keeps runs fast: train from the official train file, dev and holdout (disjoint) from the
 * official test file. Options: `train`, `dev`, `holdout` sizes (default 200/100/100).
 */
export const createTask: TaskFactory = (options) => {
  const data = loadGsm8k();
  const sizes = splitSizesFrom(options, { train: 200, dev: 100, holdout: 100 });
  if (sizes.train > data.train.length) throw new ValidationError(`at most ${data.train.length}`, 'options.train');
  if (sizes.dev + sizes.holdout > data.test.length) throw new ValidationError(`dev + holdout at most ${data.test.length}`, 'options.holdout');
  const task: Task = {
    id: 'gsm8k',
    description: DESCRIPTION,
    metric: { name: 'accuracy', higherIsBetter: true, description: 'final answer equals the gold number; all items count' },
    hardware: 'cpu',
    referenceScaffold: readScaffoldDir('gsm8k', new URL('./scaffold/', import.meta.url), 'solve.mjs'),
    splits: (seed) => {
      const evaluation = seededShuffle(data.test, seed);
      return {
        train: seededShuffle(data.train, seed).slice(0, sizes.train),
        dev: evaluation.slice(0, sizes.dev),
        holdout: evaluation.slice(sizes.dev, sizes.dev + sizes.holdout),
      };
    },
    view: (example) => labelFreeView(example as TaskExample),
    verifier: {
      hash: hashVerifierSources('gsm8k', [new URL('./verifier.ts', import.meta.url)]),
      score: scoreGsm8k,
    },
    aggregate: meanMetric,
    perturbations: gsm8kPerturbations(data.solutions),
    canaries: (seed) => gsm8kCanaries(data.train, seed),
    knobs: {
      promptStyle: ['plain', 'stepwise', 'focus'],
      operandDepth: [1, 2],
      numberWords: [false, true],
      ranking: ['generated', 'plausible'],
      candidateWidth: [8, 16, 32, 64, 128],
      candidateFormat: ['number', 'expression'],
      samples: [1, 3, 5],
      temperature: [0, 0.7],
      retries: [0, 1],
    },
    info: {
      pool: { train: data.train.length, test: data.test.length },
      source: 'GSM8K (openai/grade-school-math)',
      licence: 'MIT, see data/SOURCE.md',
    },
  };
  return task;
};

export default createTask;
