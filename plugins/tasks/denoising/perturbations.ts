import type { Perturbation, TaskExample } from '../../../core/ports/task.ts';
import { deriveSeed, mulberry32, seededShuffle } from '../shared/random.ts';
import { perturbedId } from '../shared/verdicts.ts';
import type { DenoisingInput, DenoisingLabel } from './verifier.ts';

type Matrices = { input: DenoisingInput; label: DenoisingLabel };

/** Applies one index map (cells or genes) to train, test and λ together, so the example keeps its meaning. */
function permute(example: TaskExample, name: string, seed: number, axis: 'cells' | 'genes'): TaskExample {
  const { input, label } = example as unknown as Matrices;
  const { cells, genes } = input;
  const order = seededShuffle(Array.from({ length: axis === 'cells' ? cells : genes }, (_, index) => index), deriveSeed(seed, example.id));
  const move = (values: number[]) => {
    const out = new Array<number>(values.length);
    for (let cell = 0; cell < cells; cell++) {
      for (let gene = 0; gene < genes; gene++) {
        const from = axis === 'cells' ? order[cell] * genes + gene : cell * genes + order[gene];
        out[cell * genes + gene] = values[from];
      }
    }
    return out;
  };
  return {
    id: perturbedId(example.id, name, seed),
    input: { ...input, counts: move(input.counts) },
    label: { test: move(label.test), lambda: move(label.lambda) } satisfies DenoisingLabel,
  };
}

/** Pools train and test back into X and draws a fresh Binomial(X, 0.9) split: same cells, new molecules held out. */
function resplit(example: TaskExample, seed: number): TaskExample {
  const { input, label } = example as unknown as Matrices;
  const random = mulberry32(deriveSeed(seed, example.id));
  const counts: number[] = [];
  const test: number[] = [];
  input.counts.forEach((train, index) => {
    let kept = 0;
    for (let molecule = 0; molecule < train + label.test[index]; molecule++) if (random() < 0.9) kept++;
    counts.push(kept);
    test.push(train + label.test[index] - kept);
  });
  return { id: perturbedId(example.id, 'resplit', seed), input: { ...input, counts }, label: { ...label, test } };
}

export const denoisingPerturbations: Perturbation[] = [
  { name: 'reorder-cells', apply: (example, seed) => permute(example, 'reorder-cells', seed, 'cells') },
  { name: 'reorder-genes', apply: (example, seed) => permute(example, 'reorder-genes', seed, 'genes') },
  { name: 'resplit', apply: resplit },
  // Same data under a new id: catches scaffolds that key answers on example ids.
  { name: 'reseed-id', apply: (example, seed) => ({ ...example, id: perturbedId(example.id, 'reseed-id', seed) }) },
];
