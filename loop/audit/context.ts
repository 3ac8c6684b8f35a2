import type { AuditThresholds } from '../../core/audit/verdict.ts';
import type { LoopState } from '../../core/loop/state.ts';
import type { LoopContext } from '../context.ts';
import type { AuditRunner } from './runner.ts';
import type { AuditScope } from './scope.ts';

/** What every check gets: the session, the experiment as of the audited position, and the pair scorer. */
export interface AuditInput {
  context: LoopContext;
  scope: AuditScope;
  /** The whole log's state (runs recorded after the audited position are measurements of the same pairs). */
  full: LoopState;
  score: AuditRunner;
  thresholds: AuditThresholds;
}
