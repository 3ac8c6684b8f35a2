import type { Split } from '../../core/events/index.ts';
import type { LoopNode, LoopState } from '../../core/loop/state.ts';
import type { TaskExample } from '../../core/ports/task.ts';
import { deriveSeed } from '../../core/random.ts';
import type { LoopContext } from '../context.ts';
import { evaluateNode } from '../evaluate.ts';

export interface PairScore {
  score: number;
  /** Per-item rewards keyed by the unperturbed example id (perturbed items map back by position). */
  rewards: Record<string, number>;
  runId: string | null;
}

export interface ScoreRequest {
  /** The node whose scaffold runs. */
  node: LoopNode;
  /** The adapter it runs with (null = base weights); defaults to the node's own. */
  adapterId?: string | null;
  split: Split;
  /** 'plain' for the split as is; anything else names a perturbation, reseeding or canaries. */
  variant: string;
  examples?: TaskExample[];
  seed?: number;
}

/**
 * Scores (scaffold, adapter) pairs for the audit checks. A pair the loop already scored on a split is read from its
 * own eval run; an audit run recorded earlier (run.started metadata `auditKey`) is reused; anything else is run
 * now as an `audit` run. Bisect's repeated audits therefore run each pair once.
 */
export function createAuditRunner(context: LoopContext, experimentId: string, full: LoopState) {
  const cache = new Map<string, PairScore>();
  const recorded = recordedAuditRuns(context, experimentId);

  return async function score(request: ScoreRequest): Promise<PairScore> {
    const adapterId = request.adapterId === undefined ? request.node.adapterId : request.adapterId;
    const key = [request.variant, request.split, request.node.scaffoldId, adapterId ?? 'base'].join('|');
    const cached =
      cache.get(key) ??
      (request.variant === 'plain' ? fromLoop(full, request.node.scaffoldId, adapterId, request.split) : null) ??
      readRun(context, recorded.get(key));
    if (cached) {
      cache.set(key, cached);
      return cached;
    }
    const examples = request.examples ?? context.splits[request.split];
    // Perturbed copies of the split are paired with the originals by position; other item sets keep their own ids.
    const keyedBySplit = examples.length === context.splits[request.split].length && request.variant !== 'canary';
    const originalIds = (keyedBySplit ? context.splits[request.split] : examples).map((example) => example.id);
    const evaluation = await evaluateNode(context, experimentId, { ...request.node, adapterId }, request.split, {
      purpose: 'audit',
      examples,
      seed: request.seed ?? deriveSeed(full.seed, `${request.node.id}/${request.split}`),
      metadata: { auditKey: key, keyedBySplit },
    });
    const rewards = Object.fromEntries(examples.map((example, index) => [originalIds[index] ?? example.id, evaluation.rewards[example.id] ?? 0]));
    const result = { score: evaluation.score, rewards, runId: evaluation.runId };
    cache.set(key, result);
    return result;
  };
}
export type AuditRunner = ReturnType<typeof createAuditRunner>;

function fromLoop(state: LoopState, scaffoldId: string, adapterId: string | null, split: Split): PairScore | null {
  for (const id of state.nodeOrder) {
    const node = state.nodes[id];
    const score = node.scores[split];
    if (node.scaffoldId === scaffoldId && node.adapterId === adapterId && score !== undefined && node.rewards[split])
      return { score, rewards: node.rewards[split], runId: null };
  }
  return null;
}

interface RecordedAuditRun {
  runId: string;
  exampleIds: string[];
  keyedBySplit: boolean;
}

function recordedAuditRuns(context: LoopContext, experimentId: string): Map<string, RecordedAuditRun> {
  const runs = new Map<string, RecordedAuditRun>();
  for (const event of context.store.iterate({ types: ['run.started'] })) {
    const key = event.metadata?.auditKey;
    if (event.type === 'run.started' && event.data.experimentId === experimentId && event.data.purpose === 'audit' && typeof key === 'string') {
      runs.set(key, { runId: event.data.runId, exampleIds: event.data.exampleIds, keyedBySplit: event.metadata?.keyedBySplit === true });
    }
  }
  return runs;
}

/** A recorded audit run's rewards, keyed like a fresh run's; null if it never finished. */
function readRun(context: LoopContext, run: RecordedAuditRun | undefined): PairScore | null {
  if (!run) return null;
  const events = context.store.read({ streamId: `run-${run.runId}`, types: ['reward.recorded', 'run.finished'] });
  const finished = events.find((event) => event.type === 'run.finished');
  if (finished?.type !== 'run.finished') return null;
  const byId = new Map(events.flatMap((event) => (event.type === 'reward.recorded' ? [[event.data.exampleId, event.data.reward] as const] : [])));
  const split = context.splits[finished.data.split];
  const rewards = Object.fromEntries(run.exampleIds.map((id, index) => [run.keyedBySplit ? split[index].id : id, byId.get(id) ?? 0]));
  return { score: finished.data.score, rewards, runId: run.runId };
}
