import { bestNode } from '../../core/loop/next-step.ts';
import type { LoopNode, LoopState } from '../../core/loop/state.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { experimentStream, loadLoopState } from '../experiment-log.ts';

export interface AcceptedStep {
  node: LoopNode;
  /** Position of its scaffold.accepted / weights.accepted event. */
  position: number;
  type: 'scaffold.accepted' | 'weights.accepted';
}

/** What an audit looks at: the experiment as of a log position (everything when none is given). */
export interface AuditScope {
  experimentId: string;
  position: number;
  /** The loop's state as of the position. */
  state: LoopState;
  /** Accepted nodes in the order the gate accepted them, as of the position. */
  accepted: AcceptedStep[];
  best: LoopNode | null;
}

export function auditScope(store: EventStore, experimentId: string, upTo?: number): AuditScope {
  const position = upTo ?? store.head();
  const state = loadLoopState(store, experimentId, position);
  return { experimentId, position, state, accepted: acceptedSteps(store, state, position), best: bestNode(state) };
}

/** Positions of every accepted event of the experiment, in log order (the candidates bisect searches). */
export function acceptedSteps(store: EventStore, state: LoopState, upTo?: number): AcceptedStep[] {
  const steps: AcceptedStep[] = [];
  const stream = experimentStream(state.experimentId as string);
  for (const event of store.iterate({ streamId: stream, types: ['scaffold.accepted', 'weights.accepted'], ...(upTo !== undefined ? { upTo } : {}) })) {
    if (event.type !== 'scaffold.accepted' && event.type !== 'weights.accepted') continue;
    const node = state.nodes[event.data.nodeId];
    if (node) steps.push({ node, position: event.position, type: event.type });
  }
  return steps;
}

/** The nearest ancestor the gate accepted (the step a node is measured against); null for the seed. */
export function acceptedAncestor(state: LoopState, node: LoopNode): LoopNode | null {
  let parentId = node.parentId;
  while (parentId) {
    const parent = state.nodes[parentId];
    if (!parent) return null;
    if (parent.status === 'accepted') return parent;
    parentId = parent.parentId;
  }
  return null;
}
