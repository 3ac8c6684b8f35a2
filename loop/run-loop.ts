import { compareOnSplit } from '../core/loop/gate.ts';
import { type NextStep, nextStep } from '../core/loop/next-step.ts';
import { evaluationSeed, gateSeed } from '../core/loop/seeds.ts';
import type { LoopState } from '../core/loop/state.ts';
import { clipAtWord } from '../core/text.ts';
import { budgetExceeded } from './budget.ts';
import type { LoopContext } from './context.ts';
import { evaluateNode } from './evaluate.ts';
import { createExperimentLog, type ExperimentLog } from './experiment-log.ts';
import { feedbackStep } from './feedback.ts';
import { storeScaffold } from './scaffolds.ts';
import { trainStep } from './train.ts';

export interface NewExperiment {
  experimentId: string;
  mode: 'h' | 'w+h';
  seed: number;
  config: Record<string, unknown>;
  forkOf?: { experimentId: string; nodeId: string } | null;
}

type Step<T extends NextStep['type']> = Extract<NextStep, { type: T }>;
type Effect<T extends NextStep['type']> = (context: LoopContext, log: ExperimentLog, step: Step<T>, experiment: NewExperiment) => Promise<void>;
/** One effect per step type: a step type without one does not compile. */
type Effects = { [T in Exclude<NextStep['type'], 'done'>]: Effect<T> };

/**
 * Drives one experiment to its end: fold its stream, ask nextStep what to do, run that step's effect (which
 * records its outcome through the decider), repeat. Killed at any point and called again, it continues where
 * the stream ends: the first call and a resume are the same code.
 */
export async function runLoop(context: LoopContext, experiment: NewExperiment): Promise<LoopState> {
  const log = createExperimentLog(context.store, experiment.experimentId);
  for (;;) {
    const step = nextStep(log.state, { iterations: context.options.iterations, budgetExceeded: budgetExceeded(context, log.state) });
    if (step.type === 'done') return log.state;
    await (EFFECTS[step.type] as Effect<typeof step.type>)(context, log, step as never, experiment);
  }
}

const EFFECTS: Effects = {
  async create(context, log, _step, experiment) {
    log.execute({
      type: 'CreateExperiment',
      data: {
        experimentId: experiment.experimentId,
        task: { id: context.task.id, source: context.taskSource, verifierHash: context.task.verifier.hash },
        mode: experiment.mode,
        seed: experiment.seed,
        config: experiment.config,
        splitSizes: { train: context.splits.train.length, dev: context.splits.dev.length, holdout: context.splits.holdout.length },
        forkOf: experiment.forkOf ?? null,
        startedAt: context.clock().toISOString(),
        layout: 'one-stream',
      },
    });
    context.onProgress(`experiment ${experiment.experimentId}: task ${context.task.id}, mode ${experiment.mode}, seed ${experiment.seed}`);
  },
  async meta(context, log, _step, experiment) {
    const written = await context.stack.meta.writeScaffold({
      task: { id: context.task.id, description: context.task.description },
      reference: context.task.referenceScaffoldFor?.(experiment.seed) ?? context.task.referenceScaffold,
    });
    const stored = storeScaffold(context.store, written.scaffold);
    const nodeId = context.newId('node');
    log.execute({
      type: 'ProposeSeed',
      data: {
        experimentId: experiment.experimentId,
        nodeId,
        parentNodeId: null,
        scaffoldId: stored.scaffoldId,
        parentScaffoldId: null,
        adapterId: null,
        files: stored.files,
        entry: written.scaffold.entry,
        author: 'meta',
        rationale: written.rationale,
        diff: '',
        promptHash: written.promptHash,
        operator: null,
      },
    });
    context.onProgress(`seed scaffold ${nodeId} by ${context.stack.meta.id}`);
  },
  async evaluate(context, log, step, experiment) {
    const node = log.state.nodes[step.nodeId];
    const evaluation = await evaluateNode(context, experiment.experimentId, node, step.split, { seed: evaluationSeed(log.state, node.id, step.split), log });
    const errors = Object.keys(evaluation.errors).length;
    context.onProgress(
      `  ${node.id} ${step.split.padEnd(7)} ${context.task.metric.name} ${evaluation.score.toFixed(4)}${errors ? ` (${errors} errors)` : ''}  ${usageLine(log.state)}`,
    );
  },
  async feedback(context, log, step) {
    const decision = await feedbackStep(context, log, step);
    const what = decision.kind === 'weights' ? `weights (${decision.algorithm})` : decision.kind;
    context.onProgress(
      `[iteration ${step.iteration + 1}/${context.options.iterations}] from ${step.nodeId}: ${what} — ${clipAtWord(decision.rationale, RATIONALE_CHARS)}`,
    );
  },
  train: trainStep,
  async gate(context, log, step) {
    const state = log.state;
    const candidate = state.nodes[step.nodeId];
    const parent = state.nodes[step.parentId];
    const comparison = compareOnSplit('dev', parent.rewards.dev ?? {}, candidate.rewards.dev ?? {}, {
      ...context.options.gate,
      seed: gateSeed(state, candidate.id),
    });
    log.execute({ type: 'Gate', nodeId: candidate.id, comparison });
    context.onProgress(`  gate ${candidate.id} (${candidate.kind}): ${comparison.accepted ? 'ACCEPTED' : 'rejected'} — ${comparison.reason}`);
  },
  async cancel(context, log, step, experiment) {
    const reason = 'a budget ran out before the gate ruled';
    log.execute({ type: 'Cancel', data: { experimentId: experiment.experimentId, nodeId: step.nodeId, jobId: step.jobId, reason } });
    context.onProgress(`  cancelled ${step.nodeId ?? `the weights decision${step.jobId ? ` (job ${step.jobId})` : ''}`}: ${reason}`);
  },
  async finish(context, log, step, experiment) {
    const state = log.state;
    const best = step.bestNodeId ? state.nodes[step.bestNodeId] : null;
    log.execute({
      type: 'Finish',
      data: {
        experimentId: experiment.experimentId,
        reason: step.reason,
        bestNodeId: best?.id ?? null,
        scores: { dev: best?.scores.dev ?? null, holdout: best?.scores.holdout ?? null },
        usage: state.usage,
      },
    });
    context.onProgress(
      `finished (${step.reason}): best ${best?.id ?? '-'} dev ${fmt(best?.scores.dev)} holdout ${fmt(best?.scores.holdout)}  ${usageLine(state, 'in all')}`,
    );
  },
};

/** The whole rationale is in the log (feedback.decided); the progress line shows its start. */
const RATIONALE_CHARS = 160;

const fmt = (value: number | undefined | null) => (value === undefined || value === null ? '-' : value.toFixed(4));

/** The experiment's cumulative usage (every model call since it was created, resumes included), not this step's. */
function usageLine(state: LoopState, label: 'so far' | 'in all' = 'so far'): string {
  const tokens = state.usage.promptTokens + state.usage.completionTokens;
  return `[${tokens} tokens ${label}${state.usage.costUsd !== null ? `, $${state.usage.costUsd.toFixed(4)}` : ''}]`;
}
