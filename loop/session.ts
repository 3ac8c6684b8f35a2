import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { IntegrityError, ValidationError } from '../core/errors.ts';
import { DEFAULT_GATE } from '../core/loop/gate.ts';
import type { Algorithm } from '../core/ports/algorithm.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { Task } from '../core/ports/task.ts';
import { localWorkDir } from '../core/store/index.ts';
import { createLoopGateway } from '../gateway/loop-gateway.ts';
import { listAlgorithms, loadAlgorithm } from '../plugins/algorithms/index.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import type { SiaConfig } from './config.ts';
import { type LoopContext, type LoopOptions, randomId, type Stack } from './context.ts';
import { type NewExperiment, runLoop } from './run-loop.ts';
import { limitsFor, recordSettings } from './settings.ts';
import { buildStack, type StackChoice, type StackOptions } from './stack.ts';

/** The session's choices; recorded with the provider configuration in experiment.created.config (loop/settings.ts). */
export interface SessionSettings extends StackChoice {
  task: string;
  mode: 'h' | 'w+h';
  seed: number;
  options: LoopOptions;
  /** Absolute paths of the user's own algorithm files or folders (`sia run --algorithm PATH`). */
  algorithms?: string[];
  /** Keys what the sandbox sees of items and the verifiers' secret data (core/opaque.ts); new experiments get a random one. */
  sandboxKey?: string;
}

export const DEFAULT_OPTIONS: LoopOptions = {
  iterations: 6,
  groupSize: 4,
  gate: DEFAULT_GATE,
  limits: { timeMsPerExample: 10_000, memoryMb: 256, maxOutputBytes: 1_000_000 },
  budgets: { maxTokens: null, maxWallMs: null },
  training: { lr: 0.05, epochs: 4, rank: 32 },
};

export interface SessionInput {
  store: EventStore;
  dbFile: string;
  settings: SessionSettings;
  config: SiaConfig;
  onProgress?: (line: string) => void;
  /** The task when the caller loaded it already (to check it before opening the log). */
  task?: Task;
  /** Replaces parts of the built stack (a cassette policy for `sia replay --cassette`). */
  stackOverrides?: Partial<Stack>;
  /** The loop's time (budgets, run wall times); the system clock unless a test injects one. */
  clock?: () => Date;
  /** A Modal client for --trainer modal instead of the real SDK (tests: an in-memory fake). */
  modalClient?: StackOptions['modalClient'];
}

export interface OpenSession {
  context: LoopContext;
  close(): Promise<void>;
}

/** Built-in algorithms plus the user's; an id may appear once, so decisions and events name one algorithm. */
export async function sessionAlgorithms(paths: string[]): Promise<Algorithm[]> {
  const algorithms = [...listAlgorithms()];
  for (const path of paths) {
    const loaded = await loadAlgorithm(path);
    if (algorithms.some((algorithm) => algorithm.id === loaded.id))
      throw new ValidationError(`algorithm id "${loaded.id}" from ${path} is taken`, '--algorithm');
    algorithms.push(loaded);
  }
  return algorithms;
}

/** The agents' versioned prompts go into the log as blobs, so each decision's promptHash resolves to its text. */
function storePrompts(store: EventStore, stack: Stack): void {
  for (const agent of [stack.meta, stack.feedback]) {
    if (!agent.prompt) continue;
    const sha = store.putBlob(agent.prompt.text);
    if (sha !== agent.prompt.hash) throw new IntegrityError(`${agent.id}: prompt hash ${agent.prompt.hash} is not the sha256 of its text (${sha})`);
  }
}

/** Opens the task, the providers and the gateway of one session; the caller closes it. */
export async function openSession(input: SessionInput): Promise<OpenSession> {
  const { store, settings } = input;
  const task = input.task ?? (await loadTask(settings.task));
  const limits = limitsFor(settings.options.limits, task);
  const workDir = localWorkDir(input.dbFile);
  mkdirSync(workDir, { recursive: true });
  let stack: Stack | null = null;
  const gateway = createLoopGateway(store, () => (stack as Stack).policy);
  stack = { ...buildStack(settings, input.config, task, workDir, { gatewayCall: gateway.complete, modalClient: input.modalClient }), ...input.stackOverrides };
  storePrompts(store, stack);
  const context: LoopContext = {
    store,
    algorithms: await sessionAlgorithms(settings.algorithms ?? []),
    task,
    taskSource: settings.task,
    splits: task.splits(settings.seed, settings.sandboxKey ?? ''),
    sandboxKey: settings.sandboxKey ?? '',
    stack,
    gateway,
    adaptersDir: join(workDir, 'adapters'),
    options: { ...settings.options, limits },
    newId: randomId,
    clock: input.clock ?? (() => new Date()),
    onProgress: input.onProgress ?? (() => undefined),
  };
  return { context, close: async () => undefined };
}

/**
 * Opens a session, runs the loop to its end, and closes what it opened. Used by `sia run`, `sia run --resume`
 * and `sia fork`.
 */
export async function runSession(input: SessionInput & { experimentId?: string; forkOf?: NewExperiment['forkOf'] }): Promise<string> {
  // A new experiment gets its own secret sandbox key; a resumed or forked one keeps the key it recorded.
  const settings = input.experimentId || input.settings.sandboxKey ? input.settings : { ...input.settings, sandboxKey: randomBytes(16).toString('hex') };
  const session = await openSession({ ...input, settings });
  const experimentId = input.experimentId ?? randomId('x');
  try {
    await runLoop(session.context, {
      experimentId,
      mode: settings.mode,
      seed: settings.seed,
      config: recordSettings({ ...settings, options: session.context.options }, input.config),
      forkOf: input.forkOf ?? null,
    });
  } finally {
    await session.close();
  }
  return experimentId;
}
