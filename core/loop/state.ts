import type { AppliedHyperparams, GateComparison, Mode, Split, StoredEvent, Usage } from '../events/index.ts';
import { owned, withDrafts } from './drafts.ts';
import { markTried, newNode, nodeWithAdapter, patchNode, withJob, withNode } from './state-updates.ts';

export interface LoopNode {
  id: string;
  parentId: string | null;
  kind: 'seed' | 'harness' | 'weights';
  scaffoldId: string;
  adapterId: string | null;
  /** sha256 of each adapter file (weights.checkpointed): the bytes are blobs in the log. */
  adapterFiles: Record<string, string> | null;
  /** `cancelled`: the loop stopped (a budget ran out) before the gate ruled on it. */
  status: 'proposed' | 'accepted' | 'rejected' | 'cancelled';
  files: Record<string, string>;
  entry: string;
  author: string;
  operator: string | null;
  algorithm: string | null;
  rationale: string;
  comparison: GateComparison | null;
  /** Log position of the event that created the node. */
  position: number;
  /** Per-item rewards of the node's eval runs, by split (the gate pairs these). */
  rewards: Partial<Record<Split, Record<string, number>>>;
  scores: Partial<Record<Split, number>>;
}

export interface TrainingJob {
  jobId: string;
  nodeId: string;
  algorithm: string;
  handle: string | null;
  status: 'submitted' | 'completed' | 'failed';
  adapterId: string | null;
}

export interface Decision {
  iteration: number;
  nodeId: string;
  kind: 'harness' | 'weights' | 'stop';
  algorithm: string | null;
  position: number;
}

export interface LoopState {
  status: 'empty' | 'running' | 'finished';
  experimentId: string | null;
  taskId: string | null;
  mode: Mode;
  seed: number;
  /** The recorded session settings (parse them with loop/settings.ts); the last override wins. */
  config: Record<string, unknown>;
  createdAt: string | null;
  /** Where the wall budget counts from (the loop's clock at creation). */
  startedAt: string | null;
  createdPosition: number;
  forkOf: { experimentId: string; nodeId: string } | null;
  layout: 'one-stream' | 'legacy';
  nodes: Record<string, LoopNode>;
  nodeOrder: string[];
  /** The accepted node the next change starts from. */
  currentNodeId: string | null;
  /** A proposed node waiting for its dev run and the gate. */
  candidateNodeId: string | null;
  /** A weights decision whose adapter is not checkpointed yet, with the rollout runs already collected for it. */
  pendingWeights: { nodeId: string; algorithm: string; iteration: number; rollouts: string[]; hyperparams?: AppliedHyperparams } | null;
  iteration: number;
  /** Set by a branch (sia fork): the iteration the branch may run to, whatever the session's --iterations. */
  iterationBudget: number | null;
  stopped: boolean;
  /** Operators and algorithms already tried from each node, so agents do not repeat themselves. */
  tried: Record<string, string[]>;
  training: Record<string, TrainingJob>;
  /** What the policy server serves now (the last weights.served); null before the first. */
  served: { adapterId: string | null; servedName: string } | null;
  /** Adapters whose serving parity is recorded (serving.parity_checked, measured or skipped): each is checked once. */
  parityChecked: string[];
  /** The loop's finished runs (replays and audits are not the loop's: they stay on their run streams). */
  runs: Record<string, { nodeId: string; split: Split; purpose: 'eval' | 'rollout' }>;
  usage: Usage;
  decisions: Decision[];
  branches: { fromNodeId: string; iterations: number; position: number }[];
  finish: { reason: string; bestNodeId: string | null; scores: { dev: number | null; holdout: number | null } } | null;
}

export const initialLoopState = (): LoopState => ({
  status: 'empty',
  experimentId: null,
  taskId: null,
  mode: 'h',
  seed: 0,
  config: {},
  createdAt: null,
  startedAt: null,
  createdPosition: 0,
  forkOf: null,
  layout: 'one-stream',
  nodes: {},
  nodeOrder: [],
  currentNodeId: null,
  candidateNodeId: null,
  pendingWeights: null,
  iteration: 0,
  iterationBudget: null,
  stopped: false,
  tried: {},
  training: {},
  served: null,
  parityChecked: [],
  runs: {},
  usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
  decisions: [],
  branches: [],
  finish: null,
});

export function addUsage(total: Usage, more: Usage): Usage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    costUsd: total.costUsd === null && more.costUsd === null ? null : (total.costUsd ?? 0) + (more.costUsd ?? 0),
  };
}

/**
 * Folds events onto `state` in linear time. Pure for its caller: what it was given is copied before the first
 * change. `owner` lets a caller that keeps the result to itself between calls (a projection's private state) fold
 * on without copying again; the states it passes must then be ones it never handed out.
 */
export function foldLoop(state: LoopState, events: Iterable<StoredEvent>, owner: WeakSet<object> = new WeakSet()): LoopState {
  return withDrafts(owner, () => {
    let folded = state;
    for (const event of events) folded = evolve(folded, event);
    return folded;
  });
}

/** Folds one event of an experiment's stream: the one place the loop's rules about its history live. */
export function evolve(state: LoopState, event: StoredEvent): LoopState {
  switch (event.type) {
    case 'experiment.created': {
      const { data } = event;
      return {
        ...state,
        status: 'running',
        experimentId: data.experimentId,
        taskId: data.task.id,
        mode: data.mode,
        seed: data.seed,
        config: data.config,
        createdAt: event.recordedAt,
        startedAt: data.startedAt ?? event.recordedAt,
        createdPosition: event.position,
        forkOf: data.forkOf,
        layout: data.layout,
      };
    }
    case 'settings.overridden':
      return { ...state, config: event.data.settings };
    case 'scaffold.proposed': {
      const { data } = event;
      const node: LoopNode = {
        ...newNode(data.nodeId, data.parentNodeId, data.parentNodeId === null ? 'seed' : 'harness', data.scaffoldId, data.adapterId, event.position),
        adapterFiles: data.adapterId ? (nodeWithAdapter(state, data.adapterId)?.adapterFiles ?? null) : null,
        files: data.files,
        entry: data.entry,
        author: data.author,
        operator: data.operator,
        rationale: data.rationale,
      };
      const tried = data.parentNodeId && data.operator ? markTried(state.tried, data.parentNodeId, data.operator) : state.tried;
      return withNode({ ...state, tried, candidateNodeId: data.nodeId }, node);
    }
    case 'weights.checkpointed': {
      const { data } = event;
      const parent = state.nodes[data.parentNodeId];
      const node: LoopNode = {
        ...newNode(data.nodeId, data.parentNodeId, 'weights', data.scaffoldId, data.adapterId, event.position),
        adapterFiles: data.files,
        files: parent?.files ?? {},
        entry: parent?.entry ?? '',
        author: 'trainer',
        algorithm: data.algorithm,
        rationale: `${data.algorithm} update of ${data.parentAdapterId ?? 'base weights'}`,
      };
      return withNode({ ...state, candidateNodeId: data.nodeId, pendingWeights: null }, node);
    }
    case 'scaffold.accepted':
    case 'weights.accepted':
      return {
        ...patchNode(state, event.data.nodeId, { status: 'accepted', comparison: event.data.comparison }),
        currentNodeId: event.data.nodeId,
        candidateNodeId: state.candidateNodeId === event.data.nodeId ? null : state.candidateNodeId,
      };
    case 'scaffold.rejected':
    case 'weights.rejected':
      return {
        ...patchNode(state, event.data.nodeId, { status: 'rejected', comparison: event.data.comparison }),
        candidateNodeId: state.candidateNodeId === event.data.nodeId ? null : state.candidateNodeId,
      };
    case 'work.cancelled': {
      const { data } = event;
      const cancelled = data.nodeId ? patchNode(state, data.nodeId, { status: 'cancelled' }) : state;
      const job = data.jobId ? state.training[data.jobId] : undefined;
      const training = job ? withJob(state.training, { ...job, status: 'failed' }) : state.training;
      return {
        ...cancelled,
        training,
        candidateNodeId: data.nodeId === state.candidateNodeId ? null : state.candidateNodeId,
        pendingWeights: data.nodeId === null ? null : state.pendingWeights,
      };
    }
    case 'feedback.decided': {
      const { data } = event;
      const decision: Decision = { iteration: data.iteration, nodeId: data.nodeId, kind: data.kind, algorithm: data.algorithm, position: event.position };
      const decisions = owned(state.decisions, (list) => [...list]);
      decisions.push(decision);
      const next = { ...state, iteration: data.iteration + 1, usage: addUsage(state.usage, data.usage), decisions };
      if (data.kind === 'stop') return { ...next, stopped: true };
      if (data.kind === 'weights') {
        return {
          ...next,
          pendingWeights: {
            nodeId: data.nodeId,
            algorithm: data.algorithm ?? 'grpo',
            iteration: data.iteration,
            rollouts: [],
            ...(data.hyperparams ? { hyperparams: data.hyperparams } : {}),
          },
          tried: markTried(state.tried, data.nodeId, `weights:${data.algorithm}`),
        };
      }
      return next;
    }
    case 'training.submitted': {
      const { data } = event;
      const job: TrainingJob = { jobId: data.jobId, nodeId: data.nodeId, algorithm: data.algorithm, handle: data.handle, status: 'submitted', adapterId: null };
      return { ...state, training: withJob(state.training, job) };
    }
    case 'training.completed':
    case 'training.failed': {
      const job = state.training[event.data.jobId];
      if (!job) return state;
      const completed = event.type === 'training.completed';
      const updated: TrainingJob = { ...job, status: completed ? 'completed' : 'failed', adapterId: completed ? event.data.adapterId : null };
      return { ...state, training: withJob(state.training, updated), pendingWeights: completed ? state.pendingWeights : null };
    }
    case 'evaluation.recorded': {
      const { data } = event;
      const runs = owned(state.runs, (map) => ({ ...map }));
      runs[data.runId] = { nodeId: data.nodeId, split: data.split, purpose: data.purpose };
      const next = { ...state, runs, usage: addUsage(state.usage, data.usage) };
      if (data.purpose === 'rollout') {
        const pending = state.pendingWeights;
        return pending?.nodeId === data.nodeId ? { ...next, pendingWeights: { ...pending, rollouts: [...pending.rollouts, data.runId] } } : next;
      }
      const node = state.nodes[data.nodeId];
      if (!node) return next;
      return patchNode(next, node.id, { rewards: { ...node.rewards, [data.split]: data.rewards }, scores: { ...node.scores, [data.split]: data.score } });
    }
    case 'weights.served':
      return { ...state, served: { adapterId: event.data.adapterId, servedName: event.data.servedName } };
    case 'serving.parity_checked':
      return { ...state, parityChecked: [...state.parityChecked, event.data.adapterId] };
    case 'experiment.finished': {
      const { data } = event;
      return { ...state, status: 'finished', finish: { reason: data.reason, bestNodeId: data.bestNodeId, scores: data.scores } };
    }
    case 'experiment.branched': {
      // The branch starts from the forked node: whatever was open on the old branch is left behind, unfinished.
      const { data } = event;
      return {
        ...state,
        status: 'running',
        currentNodeId: data.fromNodeId,
        candidateNodeId: null,
        pendingWeights: null,
        stopped: false,
        iterationBudget: state.iteration + data.iterations,
        branches: [...state.branches, { fromNodeId: data.fromNodeId, iterations: data.iterations, position: event.position }],
      };
    }
    default:
      return state;
  }
}
