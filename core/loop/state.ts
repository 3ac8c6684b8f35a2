import type { Mode, Split, StoredEvent, Usage } from '../events/index.ts';

export interface LoopNode {
  id: string;
  parentId: string | null;
  kind: 'seed' | 'harness' | 'weights';
  scaffoldId: string;
  adapterId: string | null;
  status: 'proposed' | 'accepted' | 'rejected';
  files: Record<string, string>;
  entry: string;
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

export interface LoopState {
  status: 'empty' | 'running' | 'finished';
  experimentId: string | null;
  taskId: string | null;
  mode: Mode;
  seed: number;
  config: Record<string, unknown>;
  nodes: Record<string, LoopNode>;
  nodeOrder: string[];
  /** The accepted node the next change starts from. */
  currentNodeId: string | null;
  /** A proposed node waiting for its dev run and the gate. */
  candidateNodeId: string | null;
  /** A weights decision whose adapter is not checkpointed yet. */
  pendingWeights: { nodeId: string; algorithm: string; iteration: number } | null;
  iteration: number;
  /** Set by a branch (sia fork): the iteration the branch may run to, whatever the session's --iterations. */
  iterationBudget: number | null;
  stopped: boolean;
  /** Operators and algorithms already tried from each node, so agents do not repeat themselves. */
  tried: Record<string, string[]>;
  training: Record<string, TrainingJob>;
  /** What the policy server serves now (the last weights.served); null before the first. */
  served: { adapterId: string | null; servedName: string } | null;
  runs: Record<string, { nodeId: string; split: Split; purpose: 'eval' | 'rollout' | 'audit'; finished: boolean; replay: boolean }>;
  usage: Usage;
}

export const initialLoopState = (): LoopState => ({
  status: 'empty',
  experimentId: null,
  taskId: null,
  mode: 'h',
  seed: 0,
  config: {},
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
  runs: {},
  usage: { promptTokens: 0, completionTokens: 0, costUsd: null },
});

export function addUsage(total: Usage, more: Usage): Usage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    costUsd: total.costUsd === null && more.costUsd === null ? null : (total.costUsd ?? 0) + (more.costUsd ?? 0),
  };
}

/** Folds one experiment's events (experiment stream plus its runs' started/reward/finished events). */
export function evolve(state: LoopState, event: StoredEvent): LoopState {
  switch (event.type) {
    case 'experiment.created': {
      const { data } = event;
      return { ...state, status: 'running', experimentId: data.experimentId, taskId: data.task.id, mode: data.mode, seed: data.seed, config: data.config };
    }
    case 'scaffold.proposed': {
      const { data } = event;
      const node: LoopNode = {
        id: data.nodeId,
        parentId: data.parentNodeId,
        kind: data.parentNodeId === null ? 'seed' : 'harness',
        scaffoldId: data.scaffoldId,
        adapterId: data.adapterId,
        status: 'proposed',
        files: data.files,
        entry: data.entry,
        rewards: {},
        scores: {},
      };
      const tried = data.parentNodeId && data.operator ? markTried(state.tried, data.parentNodeId, data.operator) : state.tried;
      return withNode({ ...state, tried, candidateNodeId: data.nodeId }, node);
    }
    case 'weights.checkpointed': {
      const { data } = event;
      const parent = state.nodes[data.parentNodeId];
      const node: LoopNode = {
        id: data.nodeId,
        parentId: data.parentNodeId,
        kind: 'weights',
        scaffoldId: data.scaffoldId,
        adapterId: data.adapterId,
        status: 'proposed',
        files: parent?.files ?? {},
        entry: parent?.entry ?? '',
        rewards: {},
        scores: {},
      };
      return withNode({ ...state, candidateNodeId: data.nodeId, pendingWeights: null }, node);
    }
    case 'scaffold.accepted':
    case 'weights.accepted':
      return {
        ...patchNode(state, event.data.nodeId, { status: 'accepted' }),
        currentNodeId: event.data.nodeId,
        candidateNodeId: state.candidateNodeId === event.data.nodeId ? null : state.candidateNodeId,
      };
    case 'scaffold.rejected':
    case 'weights.rejected':
      return {
        ...patchNode(state, event.data.nodeId, { status: 'rejected' }),
        candidateNodeId: state.candidateNodeId === event.data.nodeId ? null : state.candidateNodeId,
      };
    case 'feedback.decided': {
      const { data } = event;
      const next = { ...state, iteration: data.iteration + 1, usage: addUsage(state.usage, data.usage) };
      if (data.kind === 'stop') return { ...next, stopped: true };
      if (data.kind === 'weights') {
        return { ...next, pendingWeights: { nodeId: data.nodeId, algorithm: data.algorithm ?? 'grpo', iteration: data.iteration }, tried: markTried(state.tried, data.nodeId, `weights:${data.algorithm}`) };
      }
      return next;
    }
    case 'training.submitted': {
      const { data } = event;
      const job: TrainingJob = { jobId: data.jobId, nodeId: data.nodeId, algorithm: data.algorithm, handle: data.handle, status: 'submitted', adapterId: null };
      return { ...state, training: { ...state.training, [data.jobId]: job } };
    }
    case 'training.completed':
    case 'training.failed': {
      const job = state.training[event.data.jobId];
      if (!job) return state;
      const completed = event.type === 'training.completed';
      const updated: TrainingJob = { ...job, status: completed ? 'completed' : 'failed', adapterId: completed ? event.data.adapterId : null };
      return { ...state, training: { ...state.training, [job.jobId]: updated }, pendingWeights: completed ? state.pendingWeights : null };
    }
    case 'run.started': {
      const { data } = event;
      const run = { nodeId: data.nodeId, split: data.split, purpose: data.purpose, finished: false, replay: data.replayOf !== null };
      return { ...state, runs: { ...state.runs, [data.runId]: run } };
    }
    case 'reward.recorded': {
      const { data } = event;
      const run = state.runs[data.runId];
      const node = state.nodes[data.nodeId];
      if (!run || run.purpose !== 'eval' || run.replay || !node) return state;
      const rewards = { ...node.rewards, [data.split]: { ...node.rewards[data.split], [data.exampleId]: data.reward } };
      return patchNode(state, node.id, { rewards });
    }
    case 'run.finished': {
      const { data } = event;
      const run = state.runs[data.runId];
      if (!run) return state;
      const next = { ...state, runs: { ...state.runs, [data.runId]: { ...run, finished: true } }, usage: addUsage(state.usage, data.usage) };
      if (run.purpose !== 'eval' || run.replay || !state.nodes[data.nodeId]) return next;
      return patchNode(next, data.nodeId, { scores: { ...state.nodes[data.nodeId].scores, [data.split]: data.score } });
    }
    case 'weights.served':
      return { ...state, served: { adapterId: event.data.adapterId, servedName: event.data.servedName } };
    case 'experiment.finished':
      return { ...state, status: 'finished' };
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
      };
    }
    default:
      return state;
  }
}

function withNode(state: LoopState, node: LoopNode): LoopState {
  return { ...state, nodes: { ...state.nodes, [node.id]: node }, nodeOrder: [...state.nodeOrder, node.id] };
}

function patchNode(state: LoopState, nodeId: string, patch: Partial<LoopNode>): LoopState {
  const node = state.nodes[nodeId];
  return node ? { ...state, nodes: { ...state.nodes, [nodeId]: { ...node, ...patch } } } : state;
}

function markTried(tried: Record<string, string[]>, nodeId: string, what: string): Record<string, string[]> {
  return { ...tried, [nodeId]: [...(tried[nodeId] ?? []), what] };
}
