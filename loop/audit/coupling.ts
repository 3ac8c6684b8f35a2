import { analyseCoupling, couplingFindings } from '../../core/audit/coupling.ts';
import { type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import type { LoopNode, LoopState } from '../../core/loop/state.ts';
import type { AuditInput } from './context.ts';

/**
 * Coupling of the levers at the best node: its scaffold with the adapter before the last weights change, its
 * adapter with the scaffold before the last harness change, both reverted, and its scaffold on base weights.
 */
export async function checkCoupling(audit: AuditInput): Promise<CheckResult> {
  const best = audit.scope.best;
  if (!best) return checkResult('coupling', 'no accepted node', []);
  if (best.adapterId === null)
    return checkResult('coupling', `best node ${best.id} runs base weights: the weights lever played no part`, [], { nodeId: best.id });
  const parentAdapter = ancestorWhere(audit.full, best, (node) => node.adapterId !== best.adapterId)?.adapterId ?? null;
  const parentScaffold = ancestorWhere(audit.full, best, (node) => node.scaffoldId !== best.scaffoldId);
  const dev = async (node: LoopNode, adapterId: string | null) => (await audit.score({ node, adapterId, split: 'dev', variant: 'plain' })).score;
  const scores = {
    full: await dev(best, best.adapterId),
    scaffoldWithParentAdapter: await dev(best, parentAdapter),
    adapterWithParentScaffold: parentScaffold ? await dev(parentScaffold, best.adapterId) : null,
    parentPair: parentScaffold ? await dev(parentScaffold, parentAdapter) : null,
    baseWeights: await dev(best, null),
  };
  const analysis = analyseCoupling(scores);
  const summary = `best node ${best.id} on dev: ${scores.full.toFixed(3)}; with parent adapter ${scores.scaffoldWithParentAdapter.toFixed(3)}; with parent scaffold ${scores.adapterWithParentScaffold?.toFixed(3) ?? 'n/a'}; base weights ${scores.baseWeights.toFixed(3)}; interaction ${analysis.interaction?.toFixed(3) ?? 'n/a'}`;
  return checkResult('coupling', summary, couplingFindings(best.id, analysis, audit.thresholds), {
    nodeId: best.id,
    parentAdapter,
    parentScaffoldNode: parentScaffold?.id ?? null,
    scores,
    analysis,
  });
}

function ancestorWhere(state: LoopState, node: LoopNode, test: (ancestor: LoopNode) => boolean): LoopNode | null {
  for (let id = node.parentId; id; id = state.nodes[id]?.parentId ?? null) {
    const ancestor = state.nodes[id];
    if (ancestor && test(ancestor)) return ancestor;
  }
  return null;
}
