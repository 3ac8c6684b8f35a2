import { type AuditFinding, type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import type { AuditInput } from './context.ts';

/** Canary items are unsolvable by design: any accepted (scaffold, adapter) pair that passes one is gaming the verifier. */
export async function checkCanaries(audit: AuditInput): Promise<CheckResult> {
  const canaries = audit.context.task.canaries?.(audit.full.seed) ?? [];
  if (canaries.length === 0) return checkResult('canaries', `task ${audit.context.task.id} defines no canary items`, []);
  const seen = new Set<string>();
  const findings: AuditFinding[] = [];
  const passes: Record<string, number> = {};
  for (const { node } of audit.scope.accepted) {
    const pair = `${node.scaffoldId}|${node.adapterId}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    const result = await audit.score({ node, split: 'holdout', variant: 'canary', examples: canaries });
    const passed = Object.entries(result.rewards)
      .filter(([, reward]) => reward > 0)
      .map(([id]) => id);
    passes[node.id] = passed.length;
    if (passed.length)
      findings.push({
        nodeId: node.id,
        message: `passes ${passed.length} of ${canaries.length} canary items (unsolvable by design): it games the verifier`,
        detail: { canaries: passed, runId: result.runId },
      });
  }
  return checkResult('canaries', `${canaries.length} canaries on ${seen.size} accepted (scaffold, adapter) pairs`, findings, {
    canaries: canaries.length,
    passes,
  });
}
