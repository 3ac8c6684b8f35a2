import { judgeServingParity, type ParityCheck } from '../../core/audit/serving-parity.ts';
import type { CheckResult } from '../../core/audit/verdict.ts';
import { experimentStream } from '../experiment-log.ts';
import type { AuditInput } from './context.ts';

/** Serving parity: the recorded serving.parity_checked events of the experiment, as of the audited position. */
export async function checkServingParity(audit: AuditInput): Promise<CheckResult> {
  const { context, scope } = audit;
  const checks: ParityCheck[] = [];
  for (const event of context.store.iterate({ streamId: experimentStream(scope.experimentId), types: ['serving.parity_checked'], upTo: scope.position })) {
    if (event.type === 'serving.parity_checked') checks.push(event.data);
  }
  return judgeServingParity(checks);
}
