import type { GateComparison, Split, StoredEvent } from '../events/index.ts';
import { isLegacyRunEvent, legacyEvaluation, type OpenLegacyRuns } from '../loop/legacy.ts';
import { foldLoop, initialLoopState, type LoopNode, type LoopState } from '../loop/state.ts';
import type { Projection } from './projection.ts';

/** A (scaffold, adapter) pair with its parent and its scores per split. */
export interface LineageNode {
  id: string;
  experimentId: string;
  parentId: string | null;
  kind: 'seed' | 'harness' | 'weights';
  scaffoldId: string;
  adapterId: string | null;
  status: LoopNode['status'];
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
  /** The cross-experiment index of runs (replays and audits included), from the run streams. */
  runs: Record<string, { nodeId: string; split: Split; replayOf: string | null; purpose: 'eval' | 'rollout' | 'audit'; score: number | null }>;
  /** Each experiment's loop state, folded by the loop's own evolve: the views above are read off it. */
  loops: Record<string, LoopState>;
  /** Runs of legacy-layout experiments still open (see core/loop/legacy.ts). */
  legacyRuns: OpenLegacyRuns;
}

const EXPERIMENT_STREAM = 'experiment-';

/**
 * Lineage of every experiment. The rules live once, in the loop's fold (core/loop/state.ts): each experiment
 * stream is folded by it and the node and experiment views are derived from that state. Only the run index is
 * this projection's own. evolve updates the state it is given in place: callers own their state (project()
 * hands it a fresh one).
 */
export const lineageProjection: Projection<LineageState> = {
  name: 'lineage',
  version: 3,
  // Everything but the bulky detail the views never read (model steps, training progress).
  handles: [
    'experiment.created',
    'experiment.finished',
    'experiment.branched',
    'settings.overridden',
    'scaffold.proposed',
    'scaffold.accepted',
    'scaffold.rejected',
    'feedback.decided',
    'training.submitted',
    'training.completed',
    'training.failed',
    'weights.checkpointed',
    'weights.accepted',
    'weights.rejected',
    'weights.served',
    'evaluation.recorded',
    'work.cancelled',
    'run.started',
    'reward.recorded',
    'run.finished',
  ],
  initialState: () => ({ experiments: {}, nodes: {}, runs: {}, loops: {}, legacyRuns: {} }),
  evolve(state, event) {
    if (event.streamId.startsWith(EXPERIMENT_STREAM)) foldExperimentEvent(state, event.streamId.slice(EXPERIMENT_STREAM.length), event);
    else if (isLegacyRunEvent(event)) indexRun(state, event);
    return state;
  },
};

// The loop states inside a lineage state are its own (never handed out to be kept), so their collections are
// grown in place across events: one fold per event would otherwise copy an experiment's node map every time.
const loopDrafts = new WeakMap<LineageState, WeakSet<object>>();
function ownedBy(state: LineageState): WeakSet<object> {
  let owner = loopDrafts.get(state);
  if (!owner) {
    owner = new WeakSet();
    loopDrafts.set(state, owner);
  }
  return owner;
}

function foldExperimentEvent(state: LineageState, experimentId: string, event: StoredEvent): void {
  const loop = foldLoop(state.loops[experimentId] ?? initialLoopState(), [event], ownedBy(state));
  if (loop.status === 'empty') return;
  state.loops[experimentId] = loop;
  state.experiments[experimentId] = summaryOf(loop);
  const touched = event.type === 'experiment.branched' ? event.data.fromNodeId : (event.data as { nodeId?: string | null }).nodeId;
  if (touched && loop.nodes[touched]) state.nodes[touched] = nodeView(loop, loop.nodes[touched], state.nodes[touched]?.runIds ?? []);
}

function indexRun(state: LineageState, event: Extract<StoredEvent, { type: 'run.started' | 'reward.recorded' | 'run.finished' }>): void {
  const loop = state.loops[event.data.experimentId];
  if (loop?.layout === 'legacy') {
    const evaluation = legacyEvaluation(state.legacyRuns, event);
    if (evaluation) foldExperimentEvent(state, event.data.experimentId, evaluation);
  }
  if (event.type === 'run.started') {
    const { data } = event;
    state.runs[data.runId] = { nodeId: data.nodeId, split: data.split, replayOf: data.replayOf, purpose: data.purpose, score: null };
    state.nodes[data.nodeId]?.runIds.push(data.runId);
  } else if (event.type === 'run.finished') {
    const run = state.runs[event.data.runId];
    if (run) run.score = event.data.score;
  }
}

function summaryOf(loop: LoopState): ExperimentSummary {
  return {
    id: loop.experimentId as string,
    taskId: loop.taskId as string,
    mode: loop.mode,
    seed: loop.seed,
    createdAt: loop.createdAt as string,
    position: loop.createdPosition,
    status: loop.status === 'finished' ? 'finished' : 'running',
    // The last finish's best node and scores stay while a branch runs, until the branch finishes.
    finishReason: loop.finish?.reason ?? null,
    bestNodeId: loop.finish?.bestNodeId ?? null,
    finalScores: loop.finish?.scores ?? null,
    nodeIds: loop.nodeOrder,
    decisions: loop.decisions,
    forkOf: loop.forkOf,
    branches: loop.branches,
  };
}

function nodeView(loop: LoopState, node: LoopNode, runIds: string[]): LineageNode {
  const { id, parentId, kind, scaffoldId, adapterId, status, author, operator, algorithm, rationale, comparison, scores, position } = node;
  return {
    id,
    experimentId: loop.experimentId as string,
    parentId,
    kind,
    scaffoldId,
    adapterId,
    status,
    author,
    operator,
    algorithm,
    rationale,
    comparison,
    scores,
    runIds,
    position,
  };
}
