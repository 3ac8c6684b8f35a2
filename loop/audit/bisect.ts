import { firstFailing } from '../../core/audit/bisect.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import type { SiaConfig } from '../config.ts';
import { requireExperiment } from '../experiment-log.ts';
import { openRecordedSession } from '../recorded.ts';
import { createAuditor } from './index.ts';
import { acceptedSteps } from './scope.ts';

export interface BisectResult {
  experimentId: string;
  /** The first accepted event after which the audit fails; null when the audit passes at the end of the log. */
  culprit: { position: number; type: string; nodeId: string; failedChecks: { name: string; findings: string[] }[] } | null;
  probes: { position: number; nodeId: string; clean: boolean }[];
  candidates: number;
}

/** `sia bisect`: binary search over the experiment's accepted events for the first one after which an audit check fails. */
export async function bisectExperiment(input: {
  store: EventStore;
  dbFile: string;
  config: SiaConfig;
  experimentId: string;
  onProgress?: (line: string) => void;
}): Promise<BisectResult> {
  const state = requireExperiment(input.store, input.experimentId);
  const steps = acceptedSteps(input.store, state);
  const session = await openRecordedSession({ ...input, state });
  try {
    const auditAt = createAuditor(session.context, input.experimentId);
    const verdicts = new Map<number, Awaited<ReturnType<typeof auditAt>>>();
    const nodeAt = new Map(steps.map((step) => [step.position, step]));
    const search = await firstFailing(
      steps.map((step) => step.position),
      async (position) => {
        input.onProgress?.(`audit as of position ${position} (${nodeAt.get(position)?.node.id} accepted)`);
        const audit = await auditAt(position);
        verdicts.set(position, audit);
        return !audit.clean;
      },
    );
    const probes = search.probed.map((probe) => ({ position: probe.position, nodeId: nodeAt.get(probe.position)?.node.id ?? '', clean: !probe.fails }));
    if (search.position === null) return { experimentId: input.experimentId, culprit: null, probes, candidates: steps.length };
    const step = nodeAt.get(search.position);
    const failed = (verdicts.get(search.position)?.checks ?? []).filter((check) => !check.passed);
    return {
      experimentId: input.experimentId,
      culprit: {
        position: search.position,
        type: step?.type ?? '',
        nodeId: step?.node.id ?? '',
        failedChecks: failed.map((check) => ({ name: check.name, findings: check.findings.map((finding) => finding.message) })),
      },
      probes,
      candidates: steps.length,
    };
  } finally {
    await session.close();
  }
}
