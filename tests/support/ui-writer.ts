/**
 * The event writer behind the web UI's fixtures (tests/support/ui-fixture.ts): an experiment stream with
 * proposals (scaffold files as blobs, diffs against the parent), evaluations, decisions and gate verdicts.
 */
import type { GateComparison } from '../../core/events/index.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';
import { hex } from './events.ts';
import { scaffoldProposal } from './scaffold-proposal.ts';

export const usage = { promptTokens: 120, completionTokens: 8, costUsd: null };
export const verifierHash = hex(77);

export interface Writer {
  record(event: NewEvent): void;
  propose(nodeId: string, parentId: string | null, files: Record<string, string>, parentFiles: Record<string, string> | null, rationale: string): void;
  evaluate(nodeId: string, split: 'dev' | 'holdout' | 'train', score: number, runId?: string): void;
  decide(iteration: number, nodeId: string): void;
  verdict(nodeId: string, comparison: GateComparison): void;
}

export function writer(store: EventStore, experimentId: string, taskId: string, nodeCount: number): Writer {
  const stream = `experiment-${experimentId}`;
  const record = (event: NewEvent) => void store.append(stream, [event]);
  record({
    id: `${experimentId}-created`,
    type: 'experiment.created',
    data: {
      experimentId,
      task: { id: taskId, source: 'packaged', verifierHash },
      mode: 'h',
      seed: 5,
      config: { iterations: nodeCount - 1, agents: 'offline' },
      splitSizes: { train: 40, dev: 20, holdout: 20 },
      forkOf: null,
    },
  });
  const scaffoldIds = new Map<string, string>();
  return {
    record,
    propose(nodeId, parentId, files, parentFiles, rationale) {
      const parentScaffoldId = parentId === null ? undefined : scaffoldIds.get(parentId);
      if (parentId !== null && (parentScaffoldId === undefined || parentFiles === null))
        throw new Error(`fixture: propose ${parentId} (with its files) before ${nodeId}`);
      const parent = parentId === null ? null : { nodeId: parentId, scaffoldId: parentScaffoldId!, files: parentFiles! };
      const { event, scaffoldId } = scaffoldProposal(store, { experimentId, nodeId, parent, files, adapterId: null, rationale });
      scaffoldIds.set(nodeId, scaffoldId);
      record(event);
    },
    evaluate(nodeId, split, score, runId = `${nodeId}-${split}`) {
      record({
        id: `${runId}-evaluation`,
        type: 'evaluation.recorded',
        data: { experimentId, runId, nodeId, split, purpose: 'eval', score, rewards: {}, errors: 0, usage },
      });
    },
    decide(iteration, nodeId) {
      record({
        id: `${experimentId}-decision-${iteration}`,
        type: 'feedback.decided',
        data: {
          experimentId,
          iteration,
          nodeId,
          kind: 'harness',
          rationale: 'errors cluster on long facts',
          algorithm: null,
          advice: null,
          rewardStatistics: { n: 40, mean: 0.4, std: 0.3, successRate: 0.4, density: 0, pairwiseAvailability: 0.5 },
          agent: 'offline',
          promptHash: null,
          usage,
          attempts: 1,
        },
      });
    },
    verdict(nodeId, comparison) {
      record({ id: `${nodeId}-verdict`, type: comparison.accepted ? 'scaffold.accepted' : 'scaffold.rejected', data: { experimentId, nodeId, comparison } });
    },
  };
}

export function gateComparison(parentScore: number, candidateScore: number, halfWidth = 0.08): GateComparison {
  const meanDifference = Math.round((candidateScore - parentScore) * 1000) / 1000;
  const lowerBound = Math.round((meanDifference - halfWidth) * 1000) / 1000;
  const accepted = lowerBound > 0;
  const reason = accepted
    ? `dev gain ${meanDifference.toFixed(3)}, 95% lower bound ${lowerBound.toFixed(3)} > 0`
    : `95% lower bound ${lowerBound.toFixed(3)} ≤ 0: not a reliable gain`;
  return {
    split: 'dev',
    n: 20,
    parentScore,
    candidateScore,
    meanDifference,
    lowerBound,
    upperBound: Math.round((meanDifference + halfWidth) * 1000) / 1000,
    confidence: 0.95,
    resamples: 1000,
    seed: 1,
    accepted,
    reason,
  };
}

export const nodeIdOf = (experimentId: string, i: number) => `node-${sha256Hex(`${experimentId}/${i}`).slice(0, 10)}`;
