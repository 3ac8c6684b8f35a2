import { NotFoundError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { lineageProjection } from '../core/projections/lineage.ts';
import { project } from '../core/store/index.ts';

/** The `sia run --json` object of DESIGN.md, from the lineage projection. */
export function experimentSummary(store: EventStore, experimentId: string) {
  const { state } = project(store, lineageProjection);
  const experiment = state.experiments[experimentId];
  if (!experiment) throw new NotFoundError(`no experiment ${experimentId} in this log`);
  const best = experiment.bestNodeId ? state.nodes[experiment.bestNodeId] : null;
  return {
    experimentId,
    mode: experiment.mode,
    task: experiment.taskId,
    status: experiment.status,
    nodes: experiment.nodeIds.map((id) => {
      const node = state.nodes[id];
      return { id, kind: node.kind, scaffoldId: node.scaffoldId, adapterId: node.adapterId, parentId: node.parentId, status: node.status, scores: node.scores, algorithm: node.algorithm, operator: node.operator };
    }),
    decisions: experiment.decisions.map((decision) => ({ iteration: decision.iteration, nodeId: decision.nodeId, kind: decision.kind, ...(decision.kind === 'weights' ? { algorithm: decision.algorithm } : {}) })),
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
