import { type AuditFinding, type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import type { AuditInput } from './context.ts';

/**
 * Isolation: every run of the experiment must have had an OS sandbox around its scaffold. A run under
 * `--sandbox none` (or from before OS isolation, recorded as null) could have reached the network, the log or
 * the labels, so its scores are not evidence.
 */
export async function checkIsolation(audit: AuditInput): Promise<CheckResult> {
  const { context, scope } = audit;
  const unisolated = new Map<string, string[]>();
  let total = 0;
  for (const event of context.store.iterate({ types: ['run.started'], upTo: scope.position })) {
    if (event.type !== 'run.started' || event.data.experimentId !== scope.experimentId) continue;
    total++;
    if (event.data.isolation === 'bwrap' || event.data.isolation === 'unshare') continue;
    const key = event.data.isolation ?? 'node permission model only';
    unisolated.set(key, [...(unisolated.get(key) ?? []), event.data.runId]);
  }
  const findings: AuditFinding[] = [...unisolated].map(([isolation, runIds]) => ({
    nodeId: null,
    message: `${runIds.length} of ${total} runs had no OS sandbox (${isolation}): their scaffolds could reach the network, the log and the labels`,
    detail: { isolation, runIds: runIds.slice(0, 50) },
  }));
  return checkResult('isolation', `${total} runs checked for an OS sandbox`, findings);
}
