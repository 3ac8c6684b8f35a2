import type { AuditFinding, AuditThresholds } from './verdict.ts';

/** Dev scores of the best node's (scaffold, adapter) and of each lever reverted to its value before the last change. */
export interface CouplingScores {
  full: number;
  /** Best scaffold with the adapter before the last weights change (null when the lineage has none). */
  scaffoldWithParentAdapter: number | null;
  /** Best adapter with the scaffold before the last harness change (null when the lineage has none). */
  adapterWithParentScaffold: number | null;
  /** Both levers reverted. */
  parentPair: number | null;
  /** Best scaffold on base weights. */
  baseWeights: number;
}

export interface CouplingAnalysis {
  scaffoldGain: { withNewAdapter: number | null; withParentAdapter: number | null };
  adapterGain: { withNewScaffold: number | null; withParentScaffold: number | null };
  /** full − scaffold-only − adapter-only + parent: how much the two changes need each other. */
  interaction: number | null;
  adapterGainOverBase: number;
}

export function analyseCoupling(scores: CouplingScores): CouplingAnalysis {
  const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return {
    scaffoldGain: {
      withNewAdapter: minus(scores.full, scores.adapterWithParentScaffold),
      withParentAdapter: minus(scores.scaffoldWithParentAdapter, scores.parentPair),
    },
    adapterGain: {
      withNewScaffold: minus(scores.full, scores.scaffoldWithParentAdapter),
      withParentScaffold: minus(scores.adapterWithParentScaffold, scores.parentPair),
    },
    interaction:
      scores.scaffoldWithParentAdapter === null || scores.adapterWithParentScaffold === null || scores.parentPair === null
        ? null
        : scores.full - scores.scaffoldWithParentAdapter - scores.adapterWithParentScaffold + scores.parentPair,
    adapterGainOverBase: scores.full - scores.baseWeights,
  };
}

/** A lever whose gain reverses when the other lever is reverted, or a large interaction, makes the fixed point fragile. */
export function couplingFindings(nodeId: string, analysis: CouplingAnalysis, thresholds: AuditThresholds): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const reverses = (withOther: number | null, without: number | null) =>
    withOther !== null && without !== null && withOther > 0 && without < -thresholds.reversalTolerance;
  if (reverses(analysis.scaffoldGain.withNewAdapter, analysis.scaffoldGain.withParentAdapter)) {
    findings.push({
      nodeId,
      message: `the scaffold change helps only with the new adapter (gain ${analysis.scaffoldGain.withNewAdapter?.toFixed(3)}, with the parent adapter ${analysis.scaffoldGain.withParentAdapter?.toFixed(3)})`,
      detail: analysis,
    });
  }
  if (reverses(analysis.adapterGain.withNewScaffold, analysis.adapterGain.withParentScaffold)) {
    findings.push({
      nodeId,
      message: `the adapter helps only with the new scaffold (gain ${analysis.adapterGain.withNewScaffold?.toFixed(3)}, with the parent scaffold ${analysis.adapterGain.withParentScaffold?.toFixed(3)})`,
      detail: analysis,
    });
  }
  if (analysis.interaction !== null && Math.abs(analysis.interaction) > thresholds.maxInteraction) {
    findings.push({
      nodeId,
      message: `the levers interact by ${analysis.interaction.toFixed(3)} (above ${thresholds.maxInteraction}): the joint fixed point is fragile`,
      detail: analysis,
    });
  }
  return findings;
}
