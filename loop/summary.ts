import { NotFoundError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { loadLoopState } from './experiment-log.ts';

/** The `sia run --json` object of DESIGN.md, from the experiment's own stream. */
export function experimentSummary(store: EventStore, experimentId: string) {
  const state = loadLoopState(store, experimentId);
  if (state.status === 'empty') throw new NotFoundError(`no experiment ${experimentId} in this log`);
  const bestNodeId = state.finish?.bestNodeId ?? null;
  const best = bestNodeId ? state.nodes[bestNodeId] : null;
  return {
    experimentId,
    mode: state.mode,
    task: state.taskId as string,
    status: state.status === 'finished' ? ('finished' as const) : ('running' as const),
    nodes: state.nodeOrder.map((id) => {
      const node = state.nodes[id];
      return {
        id,
        kind: node.kind,
        scaffoldId: node.scaffoldId,
        adapterId: node.adapterId,
        parentId: node.parentId,
        status: node.status,
        scores: node.scores,
        algorithm: node.algorithm,
        operator: node.operator,
      };
    }),
    decisions: state.decisions.map((decision) => ({
      iteration: decision.iteration,
      nodeId: decision.nodeId,
      kind: decision.kind,
      ...(decision.kind === 'weights' ? { algorithm: decision.algorithm } : {}),
    })),
    best: { nodeId: best?.id ?? null, dev: best?.scores.dev ?? null, holdout: best?.scores.holdout ?? null },
    /** The log's head now: keep it outside the file and `sia verify --head POS:HASH` proves the log still holds it. */
    head: headOf(store),
  };
}
export type ExperimentSummaryJson = ReturnType<typeof experimentSummary>;

export function headOf(store: EventStore): { position: number; hash: string | null } {
  const position = store.head();
  return { position, hash: store.hashAt(position) };
}
