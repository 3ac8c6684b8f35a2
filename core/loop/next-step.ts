import type { Split } from '../events/index.ts';
import type { LoopNode, LoopState } from './state.ts';

export type NextStep =
  | { type: 'create' }
  | { type: 'meta' }
  | { type: 'evaluate'; nodeId: string; split: Split }
  | { type: 'gate'; nodeId: string; parentId: string }
  | { type: 'feedback'; nodeId: string; iteration: number }
  | { type: 'train'; nodeId: string; algorithm: string; iteration: number; resumeJobId: string | null }
  | { type: 'cancel'; nodeId: string | null; jobId: string | null }
  | { type: 'finish'; bestNodeId: string | null; reason: 'iterations' | 'stop' | 'budget' }
  | { type: 'done' };

export interface LoopLimits {
  iterations: number;
  /** Set by the shell when a token or wall-time budget ran out: open work is cancelled, nothing new starts. */
  budgetExceeded: boolean;
}

/**
 * What the loop must do next, from the folded state alone: this is what makes `--resume` work after a kill at
 * any point (a run whose evaluation.recorded is missing is done again; an open training job is picked up again).
 */
export function nextStep(state: LoopState, limits: LoopLimits): NextStep {
  if (state.status === 'empty') return { type: 'create' };
  if (state.status === 'finished') return { type: 'done' };
  if (!state.currentNodeId) return { type: 'meta' };

  // A branch (sia fork) carries its own budget, so resuming it with the original settings still runs it out.
  const iterations = Math.max(limits.iterations, state.iterationBudget ?? 0);
  const winding = state.stopped || limits.budgetExceeded || state.iteration >= iterations;
  const candidate = state.candidateNodeId ? state.nodes[state.candidateNodeId] : null;
  if (candidate && limits.budgetExceeded) return { type: 'cancel', nodeId: candidate.id, jobId: null };
  if (state.pendingWeights && limits.budgetExceeded) return { type: 'cancel', nodeId: null, jobId: openJob(state)?.jobId ?? null };
  if (candidate) {
    if (candidate.scores.dev === undefined) return { type: 'evaluate', nodeId: candidate.id, split: 'dev' };
    return { type: 'gate', nodeId: candidate.id, parentId: candidate.parentId ?? state.currentNodeId };
  }

  // A weights decision made in the last iteration is trained and gated like a harness edit would be.
  if (state.pendingWeights) {
    const { nodeId, algorithm, iteration } = state.pendingWeights;
    return { type: 'train', nodeId, algorithm, iteration, resumeJobId: openJob(state)?.jobId ?? null };
  }

  const current = state.nodes[state.currentNodeId];
  if (!winding) {
    if (current.scores.train === undefined) return { type: 'evaluate', nodeId: current.id, split: 'train' };
    if (current.scores.dev === undefined) return { type: 'evaluate', nodeId: current.id, split: 'dev' };
    return { type: 'feedback', nodeId: current.id, iteration: state.iteration };
  }

  const best = bestNode(state);
  if (best && best.scores.dev === undefined) return { type: 'evaluate', nodeId: best.id, split: 'dev' };
  if (best && best.scores.holdout === undefined) return { type: 'evaluate', nodeId: best.id, split: 'holdout' };
  return { type: 'finish', bestNodeId: best?.id ?? null, reason: limits.budgetExceeded ? 'budget' : state.stopped ? 'stop' : 'iterations' };
}

/** The accepted node with the highest dev score (earliest on ties). Holdout plays no part in choosing it. */
export function bestNode(state: LoopState): LoopNode | null {
  let best: LoopNode | null = null;
  for (const id of state.nodeOrder) {
    const node = state.nodes[id];
    if (node.status !== 'accepted') continue;
    if (!best || (node.scores.dev ?? -Infinity) > (best.scores.dev ?? -Infinity)) best = node;
  }
  return best;
}

/** The submitted job of the pending weights decision that has neither failed nor been checkpointed. */
function openJob(state: LoopState) {
  return Object.values(state.training).find(
    (job) => job.nodeId === state.pendingWeights?.nodeId && job.status === 'submitted' && !isCheckpointed(state, job.adapterId),
  );
}

function isCheckpointed(state: LoopState, adapterId: string | null): boolean {
  return adapterId !== null && Object.values(state.nodes).some((node) => node.adapterId === adapterId && node.kind === 'weights');
}
