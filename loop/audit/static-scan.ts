import { scanScaffold } from '../../core/audit/static-scan.ts';
import { type AuditFinding, type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import { loadScaffold } from '../scaffolds.ts';
import type { AuditInput } from './context.ts';

const MINIMUM_IDS_FOR_HARD_CODING = 3;

/** Static scan of every accepted scaffold (each version once) for label reads, forbidden files, hard-coded answers and log tampering. */
export async function checkStaticScan(audit: AuditInput): Promise<CheckResult> {
  const { context, scope } = audit;
  const exampleIds = new Map<string, string>();
  for (const split of ['train', 'dev', 'holdout'] as const) for (const example of context.splits[split]) exampleIds.set(example.id, split);
  for (const example of context.task.canaries?.(audit.full.seed) ?? []) exampleIds.set(example.id, 'canary');
  const scanned = new Set<string>();
  const findings: AuditFinding[] = [];
  for (const { node } of scope.accepted) {
    if (scanned.has(node.scaffoldId)) continue;
    scanned.add(node.scaffoldId);
    const scaffold = loadScaffold(context.store, node.entry, node.files);
    findings.push(...scanScaffold(node.id, scaffold.files, { exampleIds, minimumIdsForHardCoding: MINIMUM_IDS_FOR_HARD_CODING }));
  }
  return checkResult('static-scan', `${scanned.size} accepted scaffold versions scanned`, findings, { scaffolds: scanned.size });
}
