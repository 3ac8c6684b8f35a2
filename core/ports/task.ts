/** What a task plugin exports: data, splits, a verifier and a starting scaffold. */
import type { TaskLimits } from '../sandbox-limits.ts';

export interface TaskExample<Input = unknown, Label = unknown> {
  id: string;
  input: Input;
  label: Label;
}

/** What the sandboxed scaffold sees: the input without its label. */
export interface ExampleView<Input = unknown> {
  id: string;
  input: Input;
}

export interface Verdict {
  /** What the learner optimises, usually in [0, 1]. A missing or unparsable answer gets 0. */
  reward: number;
  /** The task's reported metric for this item (may equal reward). */
  metric: number;
  detail?: Record<string, unknown>;
}

export interface Verifier {
  /** sha256 of the verifier's source, pinned in every reward event. */
  hash: string;
  score(example: TaskExample, output: unknown): Verdict | Promise<Verdict>;
}

export interface Splits {
  train: TaskExample[];
  dev: TaskExample[];
  holdout: TaskExample[];
}

/** Files of a scaffold: JavaScript ESM; `entry` exports `async solve(example, ctx)`. */
export interface ScaffoldFiles {
  entry: string;
  files: Record<string, string>;
}

export interface Perturbation {
  name: string;
  apply(example: TaskExample, seed: number): TaskExample;
}

export interface TaskMetric {
  name: string;
  higherIsBetter: boolean;
  description: string;
}

export interface Task {
  id: string;
  /** What the Meta-Agent reads. */
  description: string;
  metric: TaskMetric;
  hardware: 'cpu' | 'gpu';
  referenceScaffold: ScaffoldFiles;
  /**
   * The reference scaffold for a data seed, where it depends on the split (lawbench's class list comes from the
   * train split of that seed only). Absent: `referenceScaffold` serves every seed.
   */
  referenceScaffoldFor?(seed: number): ScaffoldFiles;
  /** Deterministic for a seed. */
  /**
   * The items for a data seed. `secret` (the experiment's sandbox key) is for secret verifier data only, such as the
   * seeds trimul's inputs are drawn from: the items chosen must depend on `seed` alone, so experiments compare.
   */
  splits(seed: number, secret?: string): Splits;
  view(example: TaskExample): ExampleView;
  verifier: Verifier;
  /** Items the task aggregates over: the mean of per-item metrics over every item unless the task says otherwise. */
  aggregate?(verdicts: Verdict[]): number;
  perturbations: Perturbation[];
  /** Deliberately unsolvable items; any pass on them means the scaffold games the verifier. */
  canaries?(seed: number): TaskExample[];
  /**
   * Harness knobs the reference scaffold exposes in its `// sia:config` block, with the values the offline
   * Feedback-Agent may try (prompt variants, retries, voting, answer parsers). LLM agents edit code freely.
   */
  knobs?: Record<string, Array<string | number | boolean>>;
  /** What the sandbox allows the task's scaffolds; absent fields take the defaults (core/sandbox-limits.ts). */
  limits?: TaskLimits;
  /** Free-form facts for `sia tasks list` (class count, data source, licence). */
  info?: Record<string, unknown>;
}

export type TaskFactory = (options?: Record<string, unknown>) => Task | Promise<Task>;
