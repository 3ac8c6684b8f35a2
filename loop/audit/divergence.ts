import { divergenceFindings, type LineageStep } from '../../core/audit/divergence.ts';
import { type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import { deriveSeed } from '../../core/random.ts';
import type { AuditInput } from './context.ts';
import { acceptedAncestor } from './scope.ts';

/** Train/dev vs holdout per lineage step: every accepted node is scored on holdout (an audit-only split). */
export async function checkDivergence(audit: AuditInput): Promise<CheckResult> {
  const steps: LineageStep[] = [];
  for (const { node } of audit.scope.accepted) {
    const dev = await audit.score({ node, split: 'dev', variant: 'plain' });
    const holdout = await audit.score({ node, split: 'holdout', variant: 'plain' });
    steps.push({
      nodeId: node.id,
      parentId: acceptedAncestor(audit.scope.state, node)?.id ?? null,
      train: audit.full.nodes[node.id]?.scores.train ?? null,
      dev: dev.score,
      holdout: holdout.score,
      holdoutRewards: holdout.rewards,
    });
  }
  const { deltas, findings } = divergenceFindings(steps, audit.thresholds, deriveSeed(audit.full.seed, 'audit/divergence'));
  const curve = steps.map((step) => `${step.nodeId} dev ${step.dev.toFixed(3)} holdout ${step.holdout.toFixed(3)}`).join('; ');
  const measured = steps.map(({ holdoutRewards: _rewards, ...step }) => step);
  return checkResult('divergence', `${steps.length} accepted nodes, ${deltas.length} steps: ${curve}`, findings, { steps: measured, deltas });
}
