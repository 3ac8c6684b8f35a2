import type { Task, TaskExample, TaskFactory } from '../../../core/ports/task.ts';
import { readScaffoldDir } from '../shared/scaffold-files.ts';
import { assertSizesFit, seededSplit, splitSizesFrom } from '../shared/splits.ts';
import { hashVerifierSources } from '../shared/verifier-hash.ts';
import { labelFreeView, meanMetric } from '../shared/verdicts.ts';
import { chargeClasses, loadLawbenchExamples, type LawbenchExample } from './data.ts';
import { lawbenchCanaries, lawbenchPerturbations } from './perturbations.ts';
import { scoreLawbench } from './verifier.ts';

const DESCRIPTION = `LawBench 3-3 criminal charge prediction (CAIL2018 cases, Chinese).
Input: {facts} — the case facts (事实) as written by the court. Output: the name of one charge (罪名), exactly as
spelled in the class list, e.g. "盗窃". The class list (every charge named by a train case of this seed; dev and holdout
golds are never read) is in the scaffold file charges.mjs.
Metric: top-1 accuracy over every item; a prediction is correct when it matches any of the case's gold charges
(cases may have up to three). A missing or unknown answer is wrong. Set-F1 against all gold charges is reported too.
The policy can only choose among candidate strings (guided choice), so the scaffold must offer candidate charges.`;

/** Options: `train`, `dev`, `holdout` split sizes (default 250/125/125 of the 500 cases). */
export const createTask: TaskFactory = (options) => {
  const examples = loadLawbenchExamples();
  const sizes = splitSizesFrom(options, { train: 250, dev: 125, holdout: 125 });
  assertSizesFit(sizes, examples.length);
  const splits = (seed: number) => seededSplit(examples, seed, sizes);
  // The class list a scaffold may offer: charges of the train split only, so no dev or holdout gold leaks into it.
  // A dev/holdout case whose every gold charge is absent from train cannot be answered (see README).
  const scaffoldFor = (seed: number) => {
    const classes = chargeClasses(splits(seed).train as LawbenchExample[]);
    return readScaffoldDir('lawbench', new URL('./scaffold/', import.meta.url), 'solve.mjs', {
      'charges.mjs': `// The class set: every distinct charge of the train split (data seed ${seed}; ${classes.length} charges).\nexport const CHARGES = ${JSON.stringify(classes)};\n`,
    });
  };
  const seedZeroClasses = chargeClasses(splits(0).train as LawbenchExample[]).length;
  const task: Task = {
    id: 'lawbench',
    description: DESCRIPTION,
    metric: { name: 'top1_accuracy', higherIsBetter: true, description: 'first predicted charge matches any gold charge; all items count' },
    hardware: 'cpu',
    // Without a seed (validation, `sia tasks`): data seed 0's train classes.
    referenceScaffold: scaffoldFor(0),
    referenceScaffoldFor: scaffoldFor,
    splits,
    view: (example) => labelFreeView(example as TaskExample),
    verifier: {
      hash: hashVerifierSources('lawbench', [new URL('./verifier.ts', import.meta.url)]),
      score: scoreLawbench,
    },
    aggregate: meanMetric,
    perturbations: lawbenchPerturbations,
    canaries: (seed) => lawbenchCanaries(examples, seed),
    knobs: {
      promptStyle: ['plain', 'judge', 'options'],
      shortlist: [0, 1, 3, 5, 10, 20],
      overlap: ['unigram', 'bigram'],
      weighting: ['flat', 'idf'],
      maxFactChars: [300, 600, 1200],
      samples: [1, 3, 5],
      temperature: [0, 0.7],
      retries: [0, 1],
      parser: ['exact', 'longest'],
    },
    info: {
      classes: seedZeroClasses,
      chargesInData: chargeClasses(examples).length,
      classList: 'charges of the train split of the data seed only (dev and holdout golds are never offered); `classes` counts data seed 0',
      items: examples.length,
      source: 'LawBench 3-3 (open-compass/LawBench, CAIL2018 cases)',
      licence: 'Apache-2.0 (LawBench); CAIL2018 judgments, see data/SOURCE.md',
      secondaryMetric: 'setF1 in verdict detail',
    },
  };
  return task;
};

export default createTask;
