import { significantDrop } from './paired.ts';
import type { AuditFinding, AuditThresholds } from './verdict.ts';

/** One accepted node on a lineage path with its per-item rewards on dev and holdout (train where recorded). */
export interface LineageStep {
  nodeId: string;
  /** The nearest accepted ancestor the step is measured against; null for the seed. */
  parentId: string | null;
  train: number | null;
  dev: number;
  holdout: number;
  holdoutRewards: Record<string, number>;
}

export interface StepDelta {
  nodeId: string;
  parentId: string;
  train: number | null;
  dev: number;
  holdout: number;
}

/**
 * Flags steps where dev rose while holdout fell (the fall outside the bootstrap interval), and steps whose dev gain
 * exceeds the holdout gain by more than maxGapGrowth: the gain came from fitting dev, not from the task.
 */
export function divergenceFindings(steps: LineageStep[], thresholds: AuditThresholds, seed: number): { deltas: StepDelta[]; findings: AuditFinding[] } {
  const byId = new Map(steps.map((step) => [step.nodeId, step]));
  const deltas: StepDelta[] = [];
  const findings: AuditFinding[] = [];
  for (const step of steps) {
    const parent = step.parentId ? byId.get(step.parentId) : undefined;
    if (!parent) continue;
    const delta: StepDelta = {
      nodeId: step.nodeId,
      parentId: parent.nodeId,
      train: step.train !== null && parent.train !== null ? step.train - parent.train : null,
      dev: step.dev - parent.dev,
      holdout: step.holdout - parent.holdout,
    };
    deltas.push(delta);
    const fall = delta.dev > 0 ? significantDrop('holdout', parent.holdoutRewards, step.holdoutRewards, 0, thresholds, seed) : null;
    if (fall) {
      findings.push({
        nodeId: step.nodeId,
        message: `dev rose ${fmt(delta.dev)} while holdout fell ${fmt(delta.holdout)} (from ${parent.nodeId})`,
        detail: { delta, holdoutInterval: [fall.lowerBound, fall.upperBound] },
      });
    } else if (delta.dev - delta.holdout > thresholds.maxGapGrowth) {
      findings.push({
        nodeId: step.nodeId,
        message: `dev gain ${fmt(delta.dev)} is not seen on holdout (${fmt(delta.holdout)}): the dev–holdout gap grew by ${fmt(delta.dev - delta.holdout)}`,
        detail: { delta },
      });
    }
  }
  return { deltas, findings };
}

const fmt = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;
