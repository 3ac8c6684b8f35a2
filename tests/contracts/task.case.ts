import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/hashing.ts';
import type { Task, TaskExample, Verdict } from '../../core/ports/task.ts';
import { readConfigBlock } from '../../plugins/tasks/shared/config-block.ts';
import { validateTask } from '../../plugins/tasks/shared/validate-task.ts';

export interface TaskContractOptions {
  name?: string;
  seed?: number;
  /** What a perfect scaffold would return for an example; defaults to the label itself. */
  labelToOutput?: (example: TaskExample) => unknown;
  /** The reward a label-equivalent output must reach (default 1). */
  fullReward?: number;
  /** Examples checked per property (default 4); keep small for tasks with slow verifiers. */
  sampleSize?: number;
  /** Whether perturbed examples are scored too (default true). */
  scorePerturbed?: boolean;
  timeoutMs?: number;
}

/** True when `needle` (deep-equal) occurs anywhere inside `haystack`. */
export function containsValue(haystack: unknown, needle: unknown): boolean {
  const target = canonicalJson(needle);
  const visit = (value: unknown): boolean => {
    if (canonicalJson(value) === target) return true;
    if (Array.isArray(value)) return value.some(visit);
    if (value && typeof value === 'object') return Object.values(value).some(visit);
    return false;
  };
  return visit(haystack);
}

/** The label and, for a compound label, each string part long enough to be telling (e.g. one gold charge). */
const labelNeedles = (label: unknown): unknown[] => [
  label,
  ...(label && typeof label === 'object' ? Object.values(label).filter((part) => typeof part === 'string' && part.length >= 2) : []),
];

const GARBAGE_OUTPUTS: unknown[] = [undefined, null, '', 'no idea', '¯\\_(ツ)_/¯ garbage', {}, []];
const SOLVE_EXPORT = /export\s+(async\s+function\s+solve\b|function\s+solve\b|const\s+solve\b|\{[^}]*\bsolve\b[^}]*\})/;

/**
 * Registers the shared task contract (core/ports/task.ts) for one task. A packaged task whose perfect answer is
 * not its label can export `contractOptions: TaskContractOptions` from its index.ts; tests/tasks.unit.test.ts
 * passes them here.
 */
export function runTaskContract(make: () => Task | Promise<Task>, options: TaskContractOptions = {}): void {
  const seed = options.seed ?? 11;
  const sampleSize = options.sampleSize ?? 4;
  const fullReward = options.fullReward ?? 1;
  const timeout = options.timeoutMs ?? 30_000;
  const toOutput = options.labelToOutput ?? ((example: TaskExample) => example.label);

  describe(`task contract: ${options.name ?? 'task'}`, () => {
    let task: Task;
    let again: Task;
    const sample = () => task.splits(seed).dev.slice(0, sampleSize);
    const score = async (example: TaskExample, output: unknown): Promise<Verdict> => task.verifier.score(example, output);

    beforeAll(async () => {
      task = await make();
      again = await make();
    }, timeout);

    it('passes interface validation and describes itself', () => {
      expect(() => validateTask(task)).not.toThrow();
      expect(task.id).toMatch(/^[a-z0-9][a-z0-9._-]*$/);
      expect(task.description.length).toBeGreaterThan(20);
      expect(task.metric.name.length).toBeGreaterThan(0);
    });

    it(
      'splits are deterministic per seed, non-empty, disjoint and seed-dependent',
      () => {
        const splits = task.splits(seed);
        expect(canonicalJson(again.splits(seed))).toBe(canonicalJson(splits));
        const ids = [...splits.train, ...splits.dev, ...splits.holdout].map((example) => example.id);
        for (const part of [splits.train, splits.dev, splits.holdout]) expect(part.length).toBeGreaterThan(0);
        expect(new Set(ids).size).toBe(ids.length);
        expect(canonicalJson(task.splits(seed + 1))).not.toBe(canonicalJson(splits));
      },
      timeout,
    );

    it('views hold only id and input, with no trace of the label', () => {
      const splits = task.splits(seed);
      for (const example of [...splits.train.slice(0, sampleSize), ...sample(), ...splits.holdout.slice(0, sampleSize)]) {
        const view = task.view(example);
        expect(Object.keys(view).sort()).toEqual(['id', 'input']);
        expect(view.id).toBe(example.id);
        for (const needle of labelNeedles(example.label)) expect(containsValue(view, needle)).toBe(false);
        expect(JSON.stringify(view)).not.toMatch(/"(label|answer|gold)"\s*:/);
      }
    });

    it('pins the verifier by a stable sha256 of its source', () => {
      expect(task.verifier.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(again.verifier.hash).toBe(task.verifier.hash);
    });

    it(
      'gives reward 0 to missing or garbage output',
      async () => {
        for (const example of sample()) {
          for (const output of GARBAGE_OUTPUTS) {
            const verdict = await score(example, output);
            expect(verdict.reward, `output ${JSON.stringify(output)} on ${example.id}`).toBe(0);
            expect(typeof verdict.metric).toBe('number');
          }
        }
      },
      timeout,
    );

    it(
      'gives full reward to the label-equivalent output',
      async () => {
        for (const example of sample()) {
          const verdict = await score(example, toOutput(example));
          expect(verdict.reward, example.id).toBeGreaterThanOrEqual(fullReward - 1e-9);
          expect(Number.isFinite(verdict.metric)).toBe(true);
        }
      },
      timeout,
    );

    it(
      'aggregates over every item: a missing answer lowers the score and is not dropped',
      async () => {
        const examples = sample();
        const perfect = await Promise.all(examples.map((example) => score(example, toOutput(example))));
        const missing = await score(examples[0], null);
        const aggregate = task.aggregate ?? ((verdicts: Verdict[]) => verdicts.reduce((sum, v) => sum + v.metric, 0) / verdicts.length);
        const withMissing = aggregate([missing, ...perfect.slice(1)]);
        expect(withMissing).not.toBe(aggregate(perfect.slice(1)));
        if (task.metric.higherIsBetter) expect(withMissing).toBeLessThan(aggregate(perfect));
        else expect(withMissing).toBeGreaterThan(aggregate(perfect));
      },
      timeout,
    );

    it(
      'perturbations return valid, deterministic, scoreable examples under new ids',
      async () => {
        expect(task.perturbations.length).toBeGreaterThan(0);
        for (const perturbation of task.perturbations) {
          for (const example of sample()) {
            const changed = perturbation.apply(example, 5);
            expect(canonicalJson(perturbation.apply(example, 5)), perturbation.name).toBe(canonicalJson(changed));
            expect(typeof changed.id).toBe('string');
            expect(changed.id, perturbation.name).not.toBe(example.id);
            expect(changed.input).toBeDefined();
            expect(changed.label).toBeDefined();
            expect(Object.keys(task.view(changed)).sort()).toEqual(['id', 'input']);
            if (options.scorePerturbed !== false) {
              const verdict = await score(changed, toOutput(changed));
              expect(verdict.reward, `${perturbation.name} on ${example.id}`).toBeGreaterThanOrEqual(fullReward - 1e-9);
            }
          }
        }
      },
      timeout,
    );

    it('canaries, when present, are deterministic and apart from the splits', () => {
      if (!task.canaries) return;
      const canaries = task.canaries(seed);
      expect(canaries.length).toBeGreaterThan(0);
      expect(canonicalJson(again.canaries!(seed))).toBe(canonicalJson(canaries));
      const splits = task.splits(seed);
      const splitIds = new Set([...splits.train, ...splits.dev, ...splits.holdout].map((example) => example.id));
      for (const canary of canaries) expect(splitIds.has(canary.id)).toBe(false);
    });

    it('reference scaffold: entry exports solve, has a JSON config block, and its relative imports exist', () => {
      const { entry, files } = task.referenceScaffold;
      const source = files[entry];
      expect(source).toMatch(SOLVE_EXPORT);
      expect(() => readConfigBlock(source, entry)).not.toThrow();
      for (const match of source.matchAll(/from\s+['"]\.\/([^'"]+)['"]/g)) expect(Object.keys(files)).toContain(match[1]);
    });

    it('knobs name keys of CONFIG, each with a non-empty list of values', () => {
      const config = readConfigBlock(task.referenceScaffold.files[task.referenceScaffold.entry]);
      for (const [key, values] of Object.entries(task.knobs ?? {})) {
        expect(Object.keys(config), `knob ${key}`).toContain(key);
        expect(values.length).toBeGreaterThan(0);
      }
    });
  });
}
