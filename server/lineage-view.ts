import { NotFoundError } from '../core/errors.ts';
import type { ExperimentSummary, LineageNode, LineageState } from '../core/projections/lineage.ts';
import type { LineageSnapshot } from './read-model.ts';

export type NodeView = LineageNode & { iteration: number };

export function findExperiment(snapshot: LineageSnapshot, id: string, at?: number): ExperimentSummary {
  const experiment = snapshot.state.experiments[id];
  if (!experiment) {
    throw new NotFoundError(at === undefined ? `no experiment ${id}` : `no experiment ${id} as of position ${snapshot.position}`, {
      hint: 'GET /api/experiments lists them',
    });
  }
  return experiment;
}

export function findNode(state: LineageState, id: string): LineageNode {
  const node = state.nodes[id];
  if (!node) throw new NotFoundError(`no lineage node ${id}`, { hint: 'node ids are listed by GET /api/experiments/{id}/lineage' });
  return node;
}

/**
 * The iteration that produced a node: how many Feedback decisions of its experiment precede it in the log
 * (the seed has none before it, the node made after decision 0 is iteration 1, and so on).
 */
export function iterationOf(experiment: ExperimentSummary, node: LineageNode): number {
  const decisions = experiment.decisions;
  let low = 0;
  let high = decisions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (decisions[middle].position < node.position) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function nodeView(experiment: ExperimentSummary, node: LineageNode): NodeView {
  return { ...node, iteration: iterationOf(experiment, node) };
}

/** The fields a lineage list or tree draws (the node page has the rest). */
export function compactNode(experiment: ExperimentSummary, node: LineageNode) {
  const { id, parentId, kind, status, comparison, algorithm, scores, position } = node;
  return { id, parentId, kind, status, comparison, algorithm, scores, iteration: iterationOf(experiment, node), position };
}

export function experimentListItem(experiment: ExperimentSummary) {
  const { nodeIds, decisions, ...rest } = experiment;
  return { ...rest, nodeCount: nodeIds.length, decisionCount: decisions.length };
}

/** The closest node at or above `node` that matches (the node that wrote the scaffold, or trained the adapter). */
export function nearestAncestor(state: LineageState, node: LineageNode, matches: (candidate: LineageNode) => boolean): LineageNode | null {
  const seen = new Set<string>();
  for (let current: LineageNode | undefined = node; current && !seen.has(current.id); current = current.parentId ? state.nodes[current.parentId] : undefined) {
    if (matches(current)) return current;
    seen.add(current.id);
  }
  return null;
}
