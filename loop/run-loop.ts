import { compareOnSplit } from '../core/loop/gate.ts';
import { bestNode, nextStep, type NextStep } from '../core/loop/next-step.ts';
import { evaluationSeed, gateSeed } from '../core/loop/seeds.ts';
import type { LoopState } from '../core/loop/state.ts';
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

/**
 * Drives one experiment to its end: fold the log, ask nextStep what to do, do the IO, record the outcome
 * through the decider, repeat. Killing it at any point and calling it again continues where the log ends.
 */
export async function runLoop(context: LoopContext, experiment: NewExperiment, initial?: LoopState): Promise<LoopState> {
  const log = createExperimentLog(context.store, experiment.experimentId, initial);
  for (;;) {
    const step = nextStep(log.state, { iterations: context.options.iterations, budgetExceeded: budgetExceeded(context, log.state) });
    if (step.type === 'done') return log.state;
    await perform(context, log, experiment, step);
  }
}

async function perform(context: LoopContext, log: ExperimentLog, experiment: NewExperiment, step: NextStep): Promise<void> {
  const state = log.state;
  switch (step.type) {
    case 'create':
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
        },
      });
      context.onProgress(`experiment ${experiment.experimentId}: task ${context.task.id}, mode ${experiment.mode}, seed ${experiment.seed}`);
      return;
    case 'meta': {
      const written = await context.stack.meta.writeScaffold({ task: { id: context.task.id, description: context.task.description }, reference: context.task.referenceScaffold });
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
      return;
    }
    case 'evaluate': {
      const node = state.nodes[step.nodeId];
      const evaluation = await evaluateNode(context, experiment.experimentId, node, step.split, { seed: evaluationSeed(state, node.id, step.split), log });
      log.observe(evaluation.events);
      const errors = Object.keys(evaluation.errors).length;
      context.onProgress(`  ${node.id} ${step.split.padEnd(7)} ${context.task.metric.name} ${evaluation.score.toFixed(4)}${errors ? ` (${errors} errors)` : ''}  ${usageLine(log.state)}`);
      return;
    }
    case 'feedback': {
      const decision = await feedbackStep(context, log, step);
      const what = decision.kind === 'weights' ? `weights (${decision.algorithm})` : decision.kind;
      context.onProgress(`[iteration ${step.iteration + 1}/${context.options.iterations}] from ${step.nodeId}: ${what} — ${decision.rationale.slice(0, 140)}`);
      return;
    }
    case 'train':
      await trainStep(context, log, step);
      return;
    case 'gate': {
      const candidate = state.nodes[step.nodeId];
      const parent = state.nodes[step.parentId];
      const comparison = compareOnSplit('dev', parent.rewards.dev ?? {}, candidate.rewards.dev ?? {}, { ...context.options.gate, seed: gateSeed(state, candidate.id) });
      log.execute({ type: 'Gate', nodeId: candidate.id, comparison });
      context.onProgress(`  gate ${candidate.id} (${candidate.kind}): ${comparison.accepted ? 'ACCEPTED' : 'rejected'} — ${comparison.reason}`);
      return;
    }
    case 'finish': {
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
      context.onProgress(`finished (${step.reason}): best ${best?.id ?? '-'} dev ${fmt(best?.scores.dev)} holdout ${fmt(best?.scores.holdout)}  ${usageLine(state)}`);
      return;
    }
    default:
      return;
  }
}

function budgetExceeded(context: LoopContext, state: LoopState): boolean {
  const { maxTokens, maxWallMs } = context.options.budgets;
  if (maxTokens !== null && state.usage.promptTokens + state.usage.completionTokens >= maxTokens) return true;
  return maxWallMs !== null && Date.now() - context.startedAt >= maxWallMs;
}

const fmt = (value: number | undefined | null) => (value === undefined || value === null ? '-' : value.toFixed(4));

function usageLine(state: LoopState): string {
  const tokens = state.usage.promptTokens + state.usage.completionTokens;
  return `[${tokens} tokens${state.usage.costUsd !== null ? `, $${state.usage.costUsd.toFixed(4)}` : ''}]`;
}

export { bestNode };
