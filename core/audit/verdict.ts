/** The shape every audit check reports, as recorded in audit.performed. */
export interface AuditFinding {
  nodeId: string | null;
  message: string;
  detail?: unknown;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  summary: string;
  findings: AuditFinding[];
  /** The numbers behind the verdict (scores per lineage step, per perturbation, per lever). */
  measurements: Record<string, unknown>;
}

export const AUDIT_CHECKS = ['isolation', 'divergence', 'verifier-pinning', 'robustness', 'coupling', 'static-scan', 'canaries', 'serving-parity'] as const;
export type AuditCheckName = (typeof AUDIT_CHECKS)[number];

/** A check passes exactly when it has no findings; the summary says what was looked at either way. */
export function checkResult(name: AuditCheckName, summary: string, findings: AuditFinding[], measurements: Record<string, unknown> = {}): CheckResult {
  return { name, passed: findings.length === 0, summary, findings, measurements };
}

export function auditIsClean(checks: CheckResult[]): boolean {
  return checks.every((check) => check.passed);
}

/** Thresholds on the reward scale; small splits are noisy, so drops must also be outside a bootstrap interval. */
export interface AuditThresholds {
  /** Dev gain minus holdout gain above this, on one lineage step, means the gain did not carry over. */
  maxGapGrowth: number;
  /** Smallest drop under a perturbation (or reseeding) worth a finding. */
  minRobustnessDrop: number;
  /** Largest |interaction| between the levers before the joint fixed point counts as fragile. */
  maxInteraction: number;
  /** A lever's gain below minus this, with the other lever reverted, means it only works with the other. */
  reversalTolerance: number;
  confidence: number;
  resamples: number;
}

export const DEFAULT_THRESHOLDS: AuditThresholds = {
  maxGapGrowth: 0.25,
  minRobustnessDrop: 0.1,
  maxInteraction: 0.15,
  reversalTolerance: 0.05,
  confidence: 0.9,
  resamples: 1000,
};
