/**
 * The copy-on-write updates `evolve` (core/loop/state.ts) applies to a loop state: a map or list is copied only when
 * the fold does not own it yet (core/loop/drafts.ts), so a linear fold grows its own drafts in place.
 */
import { owned } from './drafts.ts';
import type { LoopNode, LoopState, TrainingJob } from './state.ts';

export function newNode(id: string, parentId: string | null, kind: LoopNode['kind'], scaffoldId: string, adapterId: string | null, position: number): LoopNode {
  return {
    id,
    parentId,
    kind,
    scaffoldId,
    adapterId,
    adapterFiles: null,
    status: 'proposed',
    files: {},
    entry: '',
    author: '',
    operator: null,
    algorithm: null,
    rationale: '',
    comparison: null,
    position,
    rewards: {},
    scores: {},
  };
}

export const nodeWithAdapter = (state: LoopState, adapterId: string) =>
  Object.values(state.nodes).find((node) => node.kind === 'weights' && node.adapterId === adapterId);

export function withNode(state: LoopState, node: LoopNode): LoopState {
  const nodes = owned(state.nodes, (map) => ({ ...map }));
  nodes[node.id] = node;
  const nodeOrder = owned(state.nodeOrder, (ids) => [...ids]);
  nodeOrder.push(node.id);
  return { ...state, nodes, nodeOrder };
}

export function patchNode(state: LoopState, nodeId: string, patch: Partial<LoopNode>): LoopState {
  const node = state.nodes[nodeId];
  if (!node) return state;
  const nodes = owned(state.nodes, (map) => ({ ...map }));
  nodes[nodeId] = { ...node, ...patch };
  return { ...state, nodes };
}

export function markTried(tried: Record<string, string[]>, nodeId: string, what: string): Record<string, string[]> {
  const next = owned(tried, (map) => ({ ...map }));
  next[nodeId] = [...(tried[nodeId] ?? []), what];
  return next;
}

export function withJob(training: Record<string, TrainingJob>, job: TrainingJob): Record<string, TrainingJob> {
  const next = owned(training, (map) => ({ ...map }));
  next[job.jobId] = job;
  return next;
}
