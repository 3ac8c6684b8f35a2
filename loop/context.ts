import { randomUUID } from 'node:crypto';
import type { GateOptions } from '../core/loop/gate.ts';
import type { FeedbackAgent, MetaAgent } from '../core/ports/agents.ts';
import type { Algorithm } from '../core/ports/algorithm.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { PolicyModel } from '../core/ports/policy-model.ts';
import type { Sandbox, SandboxLimits } from '../core/ports/sandbox.ts';
import type { Splits, Task } from '../core/ports/task.ts';
import type { Trainer } from '../core/ports/trainer.ts';
import type { RunRegistry } from '../gateway/run-registry.ts';

/** The providers one experiment runs with (embedded default or real stack). */
export interface Stack {
  meta: MetaAgent;
  feedback: FeedbackAgent;
  policy: PolicyModel;
  trainer: Trainer;
  sandbox: Sandbox;
  /** The base model adapters are trained on (the job's base_model). */
  baseModel: string;
  /** Where adapters live as the trainer and the policy server see them (the job's adapter paths, the checkpoint uri). */
  adapters: AdapterLocations;
  /** Names recorded in experiment.created (never secrets). */
  names: { agents: string; policy: string; trainer: string };
}

export interface AdapterLocations {
  path(adapterId: string): string;
  uri(adapterId: string): string;
}

export interface LoopOptions {
  iterations: number;
  /** Samples per train item when collecting rollouts for a weight update. */
  groupSize: number;
  gate: GateOptions;
  limits: SandboxLimits;
  budgets: { maxTokens: number | null; maxWallMs: number | null };
  /** Learning-rate and other overrides passed to the algorithm and trainer. */
  training: { lr: number; epochs: number; rank: number };
  /** Options per algorithm id (`--algorithm-options`), validated by its schema; a Feedback-Agent's hyperparams override them. */
  algorithmOptions?: Record<string, Record<string, unknown>>;
}

export interface LoopContext {
  store: EventStore;
  /** The built-in algorithms plus the user's own loaded with `--algorithm PATH`. */
  algorithms: Algorithm[];
  task: Task;
  taskSource: string;
  splits: Splits;
  /** The experiment's sandbox key (core/opaque.ts): never enters the sandbox. */
  sandboxKey: string;
  stack: Stack;
  gateway: { url: string; runs: RunRegistry };
  adaptersDir: string;
  options: LoopOptions;
  newId: (prefix: string) => string;
  clock: () => Date;
  onProgress: (line: string) => void;
}

export const randomId = (prefix: string) => `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 10)}`;
