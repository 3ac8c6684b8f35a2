import { summarizeDiff } from '../core/diff-summary.ts';
import type { GateComparison } from '../core/events/index.ts';
import type { LoopState } from '../core/loop/state.ts';
import type { LineageDigestEntry } from '../core/ports/agents.ts';
import type { EventStore } from '../core/ports/event-store.ts';

/**
 * The lineage as lessons for the Feedback-Agent: for every node, what changed (operator or algorithm, a diff
 * summary) and what the gate said (gain with its interval, the reason), so it does not repeat an idea the gate
 * already rejected from another node. Read from the experiment's own stream.
 */
export function lineageLessons(store: EventStore, state: LoopState): LineageDigestEntry[] {
  const changes = new Map<string, { operator: string | null; diffSummary: string | null }>();
  const gates = new Map<string, GateComparison | null>();
  for (const event of store.iterate({ streamId: `experiment-${state.experimentId}` })) {
    if (event.type === 'scaffold.proposed')
      changes.set(event.data.nodeId, { operator: event.data.operator, diffSummary: event.data.parentNodeId ? summarizeDiff(event.data.diff) : null });
    if (event.type === 'weights.checkpointed') changes.set(event.data.nodeId, { operator: event.data.algorithm, diffSummary: null });
    if (event.type === 'scaffold.accepted' || event.type === 'scaffold.rejected' || event.type === 'weights.accepted' || event.type === 'weights.rejected') {
      gates.set(event.data.nodeId, event.data.comparison);
    }
  }
  return state.nodeOrder.map((id) => {
    const node = state.nodes[id];
    const gate = gates.get(id) ?? null;
    const what =
      node.kind === 'seed' ? 'seed scaffold' : node.kind === 'weights' ? `weights update from ${node.parentId}` : `harness edit from ${node.parentId}`;
    return {
      nodeId: id,
      parentId: node.parentId,
      kind: node.kind,
      status: node.status,
      what,
      devScore: node.scores.dev ?? null,
      operator: changes.get(id)?.operator ?? null,
      diffSummary: changes.get(id)?.diffSummary ?? null,
      gate: gate ? { accepted: gate.accepted, gain: gate.meanDifference, lower: gate.lowerBound, upper: gate.upperBound, reason: gate.reason } : null,
    };
  });
}
