import type { LoopState } from '../../core/loop/state.ts';

/**
 * What two runs of the same seeded experiment must agree on, without the random ids: the decisions in order,
 * each node's kind, parent (by place in the lineage), verdict and scores, the best node, and the tokens used.
 */
export function lineageSignature(state: LoopState) {
  const place = (id: string | null) => (id === null ? null : state.nodeOrder.indexOf(id));
  return {
    status: state.status,
    decisions: state.decisions.map(
      (decision) => `${decision.iteration}:${decision.kind}${decision.algorithm ? `(${decision.algorithm})` : ''}@${place(decision.nodeId)}`,
    ),
    nodes: state.nodeOrder.map((id) => {
      const node = state.nodes[id];
      return { kind: node.kind, parent: place(node.parentId), status: node.status, scores: node.scores };
    }),
    best: state.finish ? { node: place(state.finish.bestNodeId), scores: state.finish.scores, reason: state.finish.reason } : null,
    tokens: state.usage.promptTokens + state.usage.completionTokens,
  };
}
