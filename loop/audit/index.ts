import { type AuditThresholds, auditIsClean, type CheckResult, DEFAULT_THRESHOLDS } from '../../core/audit/verdict.ts';
import type { EventData } from '../../core/events/index.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { requireBlobs } from '../../core/store/verify-log.ts';
import type { SiaConfig } from '../config.ts';
import type { LoopContext } from '../context.ts';
import { requireExperiment } from '../experiment-log.ts';
import { openRecordedSession } from '../recorded.ts';
import { checkCanaries } from './canaries.ts';
import type { AuditInput } from './context.ts';
import { checkCoupling } from './coupling.ts';
import { checkDivergence } from './divergence.ts';
import { checkIsolation } from './isolation.ts';
import { checkVerifierPinning } from './pinning.ts';
import { checkRobustness } from './robustness.ts';
import { createAuditRunner } from './runner.ts';
import { auditScope } from './scope.ts';
import { checkServingParity } from './serving-parity.ts';
import { checkStaticScan } from './static-scan.ts';

export type AuditData = EventData<'audit.performed'>;

/** One file a check; the order is the order of the report. */
const CHECKS: Array<(audit: AuditInput) => Promise<CheckResult>> = [
  checkIsolation,
  checkDivergence,
  checkVerifierPinning,
  checkRobustness,
  checkCoupling,
  checkStaticScan,
  checkCanaries,
  checkServingParity,
];

/** Audits an experiment as of any log position within one session; runs of (scaffold, adapter) pairs are shared across calls. */
export function createAuditor(context: LoopContext, experimentId: string, thresholds: AuditThresholds = DEFAULT_THRESHOLDS) {
  const full = requireExperiment(context.store, experimentId);
  const score = createAuditRunner(context, experimentId, full);
  return async function auditAt(position?: number): Promise<AuditData> {
    const scope = auditScope(context.store, experimentId, position);
    const input: AuditInput = { context, scope, full, score, thresholds };
    const checks: CheckResult[] = [];
    for (const check of CHECKS) {
      const result = await check(input);
      // Progress only: the verdict and summaries are the caller's output, printed once (sia audit, sia report).
      context.onProgress(`  checked ${result.name} (${checks.length + 1}/${CHECKS.length})`);
      checks.push(result);
    }
    return { experimentId, atPosition: scope.position, clean: auditIsClean(checks), checks };
  };
}

export const auditStream = (experimentId: string) => `audit-${experimentId}`;

/**
 * `sia audit`: opens a session with the experiment's recorded settings, runs every check on the whole log and
 * records the verdict as audit.performed (served at /api/experiments/:id/audit).
 */
export async function auditExperiment(input: {
  store: EventStore;
  dbFile: string;
  config: SiaConfig;
  experimentId: string;
  onProgress?: (line: string) => void;
}): Promise<AuditData & { position: number }> {
  const state = requireExperiment(input.store, input.experimentId);
  requireBlobs(input.store, input.store.read({ streamId: `experiment-${input.experimentId}` }), `auditing ${input.experimentId}`);
  const session = await openRecordedSession({ ...input, state });
  try {
    const audit = await createAuditor(session.context, input.experimentId)();
    const result = input.store.append(auditStream(input.experimentId), [{ id: session.context.newId('audit'), type: 'audit.performed', data: audit }]);
    return { ...audit, position: result.positions[0] };
  } finally {
    await session.close();
  }
}
