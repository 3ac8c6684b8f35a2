import { diffFiles } from '../core/diff.ts';
import { ModelBehaviorError } from '../core/errors.ts';
import type { EventData } from '../core/events/index.ts';
import type { LoopNode, LoopState } from '../core/loop/state.ts';
import type { FeedbackContext, TrajectorySample } from '../core/ports/agents.ts';
import { adviseAlgorithm, rewardStatistics } from '../core/rl/selector.ts';
import type { LoopContext } from './context.ts';
import { trainEvidence } from './evidence.ts';
import type { ExperimentLog } from './experiment-log.ts';
import { lineageLessons } from './lessons.ts';
import { loadScaffold, storeScaffold } from './scaffolds.ts';

/**
 * Asks the Feedback-Agent what to change. It sees the scaffold, train trajectories (failures first), dev only
 * as an aggregate, reward statistics, the selector's advice and the lineage with its lessons; never holdout.
 */
export async function feedbackStep(context: LoopContext, log: ExperimentLog, step: { nodeId: string; iteration: number }) {
  const state = log.state;
  const node = state.nodes[step.nodeId];
  const scaffold = loadScaffold(context.store, node.entry, node.files);
  const statistics = rewardStatistics(trainRewardGroups(context, state, node));
  const advice = state.mode === 'w+h' ? adviseAlgorithm(statistics) : null;
  const feedbackContext: FeedbackContext = {
    iteration: step.iteration,
    mode: state.mode,
    task: { id: context.task.id, description: context.task.description, metricName: context.task.metric.name },
    scaffold,
    trainTrajectories: trainTrajectories(context, state, node),
    trainScore: node.scores.train ?? 0,
    devScore: node.scores.dev ?? 0,
    rewardStatistics: statistics,
    advice,
    algorithms: context.algorithms.map((algorithm) => ({ id: algorithm.id, suits: algorithm.suits })),
    lineage: lineageLessons(context.store, state),
    tried: state.tried[node.id] ?? [],
  };
  const base = {
    experimentId: state.experimentId as string,
    iteration: step.iteration,
    nodeId: node.id,
    advice,
    rewardStatistics: statistics,
    agent: context.stack.feedback.id,
  };
  let answer: Awaited<ReturnType<typeof context.stack.feedback.decide>>;
  try {
    answer = await context.stack.feedback.decide(feedbackContext);
  } catch (error) {
    if (!(error instanceof ModelBehaviorError)) throw error;
    // A Feedback-Agent that cannot produce a valid decision ends the search cleanly; the run does not crash.
    const decision: EventData<'feedback.decided'> = {
      ...base,
      kind: 'stop',
      rationale: `agent error: ${error.message}`,
      algorithm: null,
      promptHash: null,
      usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
      attempts: 1,
    };
    log.execute({ type: 'RecordDecision', decision, scaffold: null });
    return decision;
  }
  const { decision: choice, promptHash, usage, attempts, evidence } = answer;
  const decision: EventData<'feedback.decided'> = {
    ...base,
    kind: choice.kind,
    rationale: choice.rationale,
    algorithm: choice.kind === 'weights' ? choice.algorithm : null,
    promptHash,
    usage,
    attempts,
    ...(evidence ? { evidence } : {}),
  };
  const scaffoldEvent = choice.kind === 'harness' ? proposeEdit(context, state, node, choice.scaffold, choice.operator, choice.rationale, promptHash) : null;
  log.execute({ type: 'RecordDecision', decision, scaffold: scaffoldEvent });
  return decision;
}

function proposeEdit(
  context: LoopContext,
  state: LoopState,
  parent: LoopNode,
  scaffold: FeedbackContext['scaffold'],
  operator: string,
  rationale: string,
  promptHash: string | null,
): EventData<'scaffold.proposed'> {
  const stored = storeScaffold(context.store, scaffold);
  const before = loadScaffold(context.store, parent.entry, parent.files);
  return {
    experimentId: state.experimentId as string,
    nodeId: context.newId('node'),
    parentNodeId: parent.id,
    scaffoldId: stored.scaffoldId,
    parentScaffoldId: parent.scaffoldId,
    adapterId: parent.adapterId,
    files: stored.files,
    entry: scaffold.entry,
    author: 'feedback',
    rationale,
    diff: diffFiles(before.files, scaffold.files),
    promptHash,
    operator,
  };
}

/** Rollout groups of this node when it has them (several samples per item), else one sample per item. */
function trainRewardGroups(context: LoopContext, state: LoopState, node: LoopNode): number[][] {
  const byItem = new Map<string, number[]>();
  for (const [runId, run] of Object.entries(state.runs)) {
    if (run.nodeId !== node.id || run.purpose !== 'rollout') continue;
    for (const event of context.store.iterate({ streamId: `run-${runId}`, types: ['reward.recorded'] })) {
      if (event.type === 'reward.recorded') byItem.set(event.data.exampleId, [...(byItem.get(event.data.exampleId) ?? []), event.data.reward]);
    }
  }
  if (byItem.size) return [...byItem.values()];
  return Object.values(node.rewards.train ?? {}).map((reward) => [reward]);
}

/** Every item of the node's last train evaluation with its whole story, ordered for the agent (loop/evidence.ts). */
function trainTrajectories(context: LoopContext, state: LoopState, node: LoopNode): TrajectorySample[] {
  const runId = Object.entries(state.runs)
    .reverse()
    .find(([, run]) => run.nodeId === node.id && run.split === 'train' && run.purpose === 'eval')?.[0];
  if (!runId) return [];
  const train = new Map(context.splits.train.map((example) => [example.id, { input: context.task.view(example).input, label: example.label }]));
  return trainEvidence(context.store, runId, train);
}
