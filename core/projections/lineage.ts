import type { GateComparison, Split, StoredEvent } from '../events/index.ts';
import type { Projection } from './projection.ts';

/** A (scaffold, adapter) pair with its parent and its scores per split. */
export interface LineageNode {
  id: string;
  experimentId: string;
  parentId: string | null;
  kind: 'seed' | 'harness' | 'weights';
  scaffoldId: string;
  adapterId: string | null;
  status: 'proposed' | 'accepted' | 'rejected';
  author: string;
  operator: string | null;
  algorithm: string | null;
  rationale: string;
  comparison: GateComparison | null;
  scores: Partial<Record<Split, number>>;
  runIds: string[];
  /** Log position of the event that created the node. */
  position: number;
}

export interface ExperimentSummary {
  id: string;
  taskId: string;
  mode: 'h' | 'w+h';
  seed: number;
  createdAt: string;
  position: number;
  status: 'running' | 'finished';
  finishReason: string | null;
  bestNodeId: string | null;
  finalScores: { dev: number | null; holdout: number | null } | null;
  nodeIds: string[];
  decisions: { iteration: number; nodeId: string; kind: 'harness' | 'weights' | 'stop'; algorithm: string | null; position: number }[];
  forkOf: { experimentId: string; nodeId: string } | null;
  /** Branches started with `sia fork`: the loop went on from `fromNodeId` (log position of the branch). */
  branches: { fromNodeId: string; iterations: number; position: number }[];
}

export interface LineageState {
  experiments: Record<string, ExperimentSummary>;
  nodes: Record<string, LineageNode>;
  runs: Record<string, { nodeId: string; split: Split; replayOf: string | null; purpose: 'eval' | 'rollout' | 'audit'; score: number | null }>;
}

/**
 * Lineage of every experiment: nodes from scaffold.proposed (seed / harness edit) and weights.checkpointed
 * (weight update), verdicts from the gate, scores from finished runs (replays do not overwrite scores).
 * evolve updates the state it is given in place: callers own their state (project() hands it a fresh one).
 */
export const lineageProjection: Projection<LineageState> = {
  name: 'lineage',
  version: 2,
  handles: [
    'experiment.created',
    'experiment.finished',
    'experiment.branched',
    'scaffold.proposed',
    'scaffold.accepted',
    'scaffold.rejected',
    'weights.checkpointed',
    'weights.accepted',
    'weights.rejected',
    'feedback.decided',
    'run.started',
    'run.finished',
  ],
  initialState: () => ({ experiments: {}, nodes: {}, runs: {} }),
  evolve(state, event) {
    evolveLineage(state, event);
    return state;
  },
};

function evolveLineage(state: LineageState, event: StoredEvent): void {
  switch (event.type) {
    case 'experiment.created': {
      const { data } = event;
      state.experiments[data.experimentId] = {
        id: data.experimentId,
        taskId: data.task.id,
        mode: data.mode,
        seed: data.seed,
        createdAt: event.recordedAt,
        position: event.position,
        status: 'running',
        finishReason: null,
        bestNodeId: null,
        finalScores: null,
        nodeIds: [],
        decisions: [],
        forkOf: data.forkOf,
        branches: [],
      };
      return;
    }
    case 'experiment.finished': {
      const experiment = state.experiments[event.data.experimentId];
      if (!experiment) return;
      experiment.status = 'finished';
      experiment.finishReason = event.data.reason;
      experiment.bestNodeId = event.data.bestNodeId;
      experiment.finalScores = event.data.scores;
      return;
    }
    case 'experiment.branched': {
      const experiment = state.experiments[event.data.experimentId];
      if (!experiment) return;
      // Running again; the last finish's best node and scores stay until the branch finishes.
      experiment.status = 'running';
      experiment.branches.push({ fromNodeId: event.data.fromNodeId, iterations: event.data.iterations, position: event.position });
      return;
    }
    case 'scaffold.proposed': {
      const { data } = event;
      addNode(state, {
        id: data.nodeId,
        experimentId: data.experimentId,
        parentId: data.parentNodeId,
        kind: data.parentNodeId === null ? 'seed' : 'harness',
        scaffoldId: data.scaffoldId,
        adapterId: data.adapterId,
        author: data.author,
        operator: data.operator,
        algorithm: null,
        rationale: data.rationale,
        position: event.position,
      });
      return;
    }
    case 'weights.checkpointed': {
      const { data } = event;
      addNode(state, {
        id: data.nodeId,
        experimentId: data.experimentId,
        parentId: data.parentNodeId,
        kind: 'weights',
        scaffoldId: data.scaffoldId,
        adapterId: data.adapterId,
        author: 'trainer',
        operator: null,
        algorithm: data.algorithm,
        rationale: `${data.algorithm} update of ${data.parentAdapterId ?? 'base weights'}`,
        position: event.position,
      });
      return;
    }
    case 'scaffold.accepted':
    case 'scaffold.rejected':
    case 'weights.accepted':
    case 'weights.rejected': {
      const node = state.nodes[event.data.nodeId];
      if (!node) return;
      node.status = event.type.endsWith('accepted') ? 'accepted' : 'rejected';
      node.comparison = event.data.comparison;
      return;
    }
    case 'feedback.decided': {
      const experiment = state.experiments[event.data.experimentId];
      experiment?.decisions.push({
        iteration: event.data.iteration,
        nodeId: event.data.nodeId,
        kind: event.data.kind,
        algorithm: event.data.algorithm,
        position: event.position,
      });
      return;
    }
    case 'run.started': {
      const { data } = event;
      state.runs[data.runId] = { nodeId: data.nodeId, split: data.split, replayOf: data.replayOf, purpose: data.purpose, score: null };
      state.nodes[data.nodeId]?.runIds.push(data.runId);
      return;
    }
    case 'run.finished': {
      const run = state.runs[event.data.runId];
      if (run) run.score = event.data.score;
      const node = state.nodes[event.data.nodeId];
      if (node && !run?.replayOf && run?.purpose === 'eval') node.scores[event.data.split] = event.data.score;
      return;
    }
    default:
      return;
  }
}

function addNode(state: LineageState, node: Omit<LineageNode, 'status' | 'comparison' | 'scores' | 'runIds'>): void {
  state.nodes[node.id] = { ...node, status: 'proposed', comparison: null, scores: {}, runIds: [] };
  state.experiments[node.experimentId]?.nodeIds.push(node.id);
}
