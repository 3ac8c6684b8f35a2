import { diffFiles } from '../core/diff.ts';
import { ModelBehaviorError, ValidationError } from '../core/errors.ts';
import type { AppliedHyperparams, EventData } from '../core/events/index.ts';
import type { LoopNode, LoopState } from '../core/loop/state.ts';
import type { FeedbackContext, TrajectorySample } from '../core/ports/agents.ts';
import { adviseAlgorithm, rewardStatistics } from '../core/rl/selector.ts';
import { budgetExceeded } from './budget.ts';
import type { LoopContext } from './context.ts';
import { evaluateNode } from './evaluate.ts';
import { trainEvidence } from './evidence.ts';
import type { ExperimentLog } from './experiment-log.ts';
import { hyperparamBase, resolveHyperparams } from './hyperparams.ts';
import { lineageLessons } from './lessons.ts';
import { nodeRolloutRuns, ROLLOUT_TEMPERATURE, rolloutGroups, rolloutSeed } from './rollouts.ts';
import { loadScaffold, storeScaffold } from './scaffolds.ts';

/**
 * Asks the Feedback-Agent what to change. It sees the scaffold, train trajectories (failures first), dev only
 * as an aggregate, reward statistics, the selector's advice and the lineage with its lessons; never holdout.
 */
export async function feedbackStep(context: LoopContext, log: ExperimentLog, step: { nodeId: string; iteration: number }) {
  const node = log.state.nodes[step.nodeId];
  const scaffold = loadScaffold(context.store, node.entry, node.files);
  // In w+h the statistics come from the rollouts an update would train on: probed here when the node has none.
  if (log.state.mode === 'w+h') await probeRollouts(context, log, node, step.iteration);
  const statistics = trainRewardStatistics(context, log.state, node);
  const state = log.state;
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
  let hyperparams: AppliedHyperparams | undefined;
  if (choice.kind === 'weights') {
    const algorithm = context.algorithms.find((candidate) => candidate.id === choice.algorithm);
    try {
      if (algorithm) hyperparams = resolveHyperparams(algorithm, choice.hyperparams, hyperparamBase(context));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // Hyperparameters the algorithm's schema refuses end the search like any invalid decision: never silently dropped.
      const decision: EventData<'feedback.decided'> = {
        ...base,
        kind: 'stop',
        rationale: `agent error: invalid hyperparameters for ${choice.algorithm}: ${error.message}`,
        algorithm: null,
        promptHash,
        usage,
        attempts,
      };
      log.execute({ type: 'RecordDecision', decision, scaffold: null });
      return decision;
    }
  }
  const decision: EventData<'feedback.decided'> = {
    ...base,
    kind: choice.kind,
    rationale: choice.rationale,
    algorithm: choice.kind === 'weights' ? choice.algorithm : null,
    promptHash,
    usage,
    attempts,
    ...(evidence ? { evidence } : {}),
    ...(hyperparams ? { hyperparams } : {}),
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

/**
 * The probe: `groupSize` samples of every train item at the training temperature, recorded as the node's rollout
 * runs (the same seeds the train step would use), so a weights update from this node trains on exactly these.
 * Idempotent: after a kill only the missing samples run; a budget that runs out stops it.
 */
async function probeRollouts(context: LoopContext, log: ExperimentLog, node: LoopNode, iteration: number): Promise<void> {
  const experimentId = log.state.experimentId as string;
  for (let sample = nodeRolloutRuns(log.state, node.id, context.options.groupSize).length; sample < context.options.groupSize; sample++) {
    if (budgetExceeded(context, log.state)) return;
    await evaluateNode(context, experimentId, node, 'train', {
      purpose: 'rollout',
      temperature: ROLLOUT_TEMPERATURE,
      seed: rolloutSeed(log.state.seed, iteration, sample),
      log,
    });
  }
}

/** Statistics of the node's rollout groups (one group per item and model call) when it has them, else of its train evaluation. */
function trainRewardStatistics(context: LoopContext, state: LoopState, node: LoopNode) {
  const runs = nodeRolloutRuns(state, node.id, context.options.groupSize);
  if (runs.length > 0) {
    const groups = rolloutGroups(context.store, runs).map((group) => group.map((rollout) => rollout.reward));
    if (groups.length > 0) return rewardStatistics(groups, 'rollouts');
  }
  return rewardStatistics(
    Object.values(node.rewards.train ?? {}).map((reward) => [reward]),
    'train-eval',
  );
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
