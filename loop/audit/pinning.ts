import { type AuditFinding, type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import type { EventData } from '../../core/events/index.ts';
import type { TaskExample } from '../../core/ports/task.ts';
import type { AuditInput } from './context.ts';

const CHANGES_SHOWN = 50;

/**
 * Verifier pinning: every reward of the experiment (up to the audited position) must carry the task's current
 * verifier hash. Rewards scored by another verifier are re-scored with the current one to show what changes.
 */
export async function checkVerifierPinning(audit: AuditInput): Promise<CheckResult> {
  const { context, scope } = audit;
  const current = context.task.verifier.hash;
  const stale = new Map<string, EventData<'reward.recorded'>[]>();
  let total = 0;
  for (const event of context.store.iterate({ types: ['reward.recorded'], upTo: scope.position })) {
    if (event.type !== 'reward.recorded' || event.data.experimentId !== scope.experimentId) continue;
    total++;
    if (event.data.verifierHash !== current) stale.set(event.data.verifierHash, [...(stale.get(event.data.verifierHash) ?? []), event.data]);
  }
  const examples = knownExamples(audit);
  const findings: AuditFinding[] = [];
  for (const [hash, rewards] of stale) {
    const changes: { runId: string; exampleId: string; recorded: number; rescored: number }[] = [];
    let unscorable = 0;
    for (const reward of rewards) {
      const example = examples.get(reward.exampleId);
      const output = reward.output as { truncated?: boolean } | null;
      if (!example || (output && typeof output === 'object' && output.truncated === true)) {
        unscorable++;
        continue;
      }
      const verdict = await Promise.resolve(context.task.verifier.score(example, reward.output)).catch(() => ({ reward: 0 }));
      if (verdict.reward !== reward.reward)
        changes.push({ runId: reward.runId, exampleId: reward.exampleId, recorded: reward.reward, rescored: verdict.reward });
    }
    findings.push({
      nodeId: null,
      message: `${rewards.length} of ${total} rewards were scored by verifier ${hash.slice(0, 12)}, not the task's current ${current.slice(0, 12)}; re-scored with the current verifier, ${changes.length} change${unscorable ? ` (${unscorable} could not be re-scored)` : ''}`,
      detail: { recordedHash: hash, currentHash: current, rescored: rewards.length - unscorable, changes: changes.slice(0, CHANGES_SHOWN) },
    });
  }
  return checkResult('verifier-pinning', `${total} rewards checked against verifier ${current.slice(0, 12)}`, findings);
}

function knownExamples(audit: AuditInput): Map<string, TaskExample> {
  const { splits, task } = audit.context;
  const all = [...splits.train, ...splits.dev, ...splits.holdout, ...(task.canaries?.(audit.full.seed) ?? [])];
  return new Map(all.map((example) => [example.id, example]));
}
