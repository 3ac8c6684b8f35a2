import type { ExampleView, TaskExample, Verdict } from '../../../core/ports/task.ts';

/** The default aggregate: mean metric over every item, so a missing answer (metric 0) still counts. */
export function meanMetric(verdicts: Verdict[]): number {
  if (verdicts.length === 0) return 0;
  return verdicts.reduce((sum, verdict) => sum + verdict.metric, 0) / verdicts.length;
}

/** The label-free view most tasks need: a fresh object holding only id and input. */
export function labelFreeView<Input>(example: TaskExample<Input>): ExampleView<Input> {
  return { id: example.id, input: structuredClone(example.input) };
}

/** Id of a perturbed copy; `baseExampleId` recovers the original so lookups keyed by id still work. */
export function perturbedId(id: string, perturbation: string, seed: number): string {
  return `${id}~${perturbation}${seed}`;
}

export function baseExampleId(id: string): string {
  const cut = id.indexOf('~');
  return cut === -1 ? id : id.slice(0, cut);
}
