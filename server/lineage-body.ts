import type { ExperimentSummary } from '../core/projections/lineage.ts';
import { nodeView } from './lineage-view.ts';
import type { LineageSnapshot } from './read-model.ts';

const BODIES_KEPT = 8;

/**
 * Serialised lineage responses. A 10k-node lineage is megabytes of JSON, so: a body is built once per lineage
 * change (keyed by experiment and `changedAt`, without the position, which moves with every append); on a live
 * snapshot each node's JSON is kept until an event names that node, so a finished run re-serialises one node,
 * not all; and while the log is idle the whole answer is reused as is.
 */
export class LineageBodies {
  private readonly bodies = new Map<string, Buffer>();
  private readonly fragments = new Map<string, { version: string; json: string }>();
  private last: { key: string; position: number; body: Buffer<ArrayBuffer> } | null = null;

  static key(experimentId: string, snapshot: LineageSnapshot): string {
    return `${experimentId}@${snapshot.changedAt}`;
  }

  body(snapshot: LineageSnapshot, experiment: ExperimentSummary): Buffer<ArrayBuffer> {
    const key = LineageBodies.key(experiment.id, snapshot);
    if (this.last?.key === key && this.last.position === snapshot.position) return this.last.body;
    let rest = this.bodies.get(key);
    if (rest === undefined) {
      rest = Buffer.from(`"experiment":${JSON.stringify(experiment)},"nodes":[${this.nodesJson(snapshot, experiment)}]}`);
      this.bodies.set(key, rest);
      if (this.bodies.size > BODIES_KEPT) this.bodies.delete(this.bodies.keys().next().value as string);
    }
    const body = Buffer.concat([Buffer.from(`{"position":${snapshot.position},`), rest]);
    this.last = { key, position: snapshot.position, body };
    return body;
  }

  private nodesJson(snapshot: LineageSnapshot, experiment: ExperimentSummary): string {
    const nodes = experiment.nodeIds.map((id) => snapshot.state.nodes[id]);
    const changedAt = snapshot.nodeChangedAt;
    if (!changedAt) return nodes.map((node) => JSON.stringify(nodeView(experiment, node))).join(',');
    // A node's iteration depends on the decisions before it: their count is part of the fragment's version.
    const decisions = experiment.decisions.length;
    return nodes
      .map((node) => {
        const version = `${changedAt(node.id)}/${decisions}`;
        const kept = this.fragments.get(node.id);
        if (kept?.version === version) return kept.json;
        const json = JSON.stringify(nodeView(experiment, node));
        this.fragments.set(node.id, { version, json });
        return json;
      })
      .join(',');
  }
}
