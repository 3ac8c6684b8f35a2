import { type CallRecord, compareRuns, type ReplayDivergence } from '../core/audit/replay-diff.ts';
import { IntegrityError, NotFoundError } from '../core/errors.ts';
import type { Split, StoredEvent } from '../core/events/index.ts';
import { evaluationSeed } from '../core/loop/seeds.ts';
import type { LoopState } from '../core/loop/state.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { TaskExample } from '../core/ports/task.ts';
import { requireBlobs } from '../core/store/verify-log.ts';
import { createRequestReader } from '../gateway/request-blobs.ts';
import { createCassettePolicy, type RecordedLlmCall } from '../plugins/providers/cassette.ts';
import type { SiaConfig } from './config.ts';
import type { LoopContext } from './context.ts';
import { evaluateNode } from './evaluate.ts';
import { requireExperiment } from './experiment-log.ts';
import { type RebuiltNode, rebuildNode } from './rebuild.ts';
import { experimentOfNode, openRecordedSession, runEvents } from './recorded.ts';

export interface ReplayInput {
  store: EventStore;
  dbFile: string;
  config: SiaConfig;
  nodeId: string;
  split: Split;
  /** Answer model calls from the original run's recorded llm_call steps instead of the policy. */
  cassette: boolean;
  /** Also write the rebuilt scaffold files and adapter bytes here. */
  outDir?: string | null;
}

export interface ReplayReport {
  experimentId: string;
  nodeId: string;
  split: Split;
  mode: 'live' | 'cassette';
  originalRunId: string | null;
  runId: string;
  originalScore: number | null;
  score: number;
  difference: number | null;
  rebuilt: Omit<RebuiltNode, 'scaffold'>;
  /** Outputs and model calls equal to the original's, example by example and step by step. */
  exact: boolean | null;
  divergences: ReplayDivergence[];
  /** The task's verifier changed since the original run scored it (see `sia audit`, verifier pinning). */
  verifierChanged: boolean;
}

/**
 * Rebuilds a node from the log (scaffold blobs, adapter bytes checked against their pinned hashes), re-runs it on a
 * split as a new run linked to the original (replayOf), and reports the score difference and any divergence.
 */
export async function replayNode(input: ReplayInput): Promise<ReplayReport> {
  const { store, nodeId, split } = input;
  const experimentId = experimentOfNode(store, nodeId);
  const state = requireExperiment(store, experimentId);
  const node = state.nodes[nodeId];
  const originalRunId = originalEvalRun(state, nodeId, split);
  if (input.cassette && !originalRunId) {
    throw new NotFoundError(`node ${nodeId} has no finished eval run on ${split} to replay from a cassette`, {
      hint: 'replay it live (without --cassette), or pick a split it was scored on',
    });
  }
  const original = originalRunId ? runEvents(store, originalRunId) : [];
  requireBlobs(store, [...store.read({ streamId: `experiment-${experimentId}` }), ...original], `replaying ${nodeId}`);
  const stackOverrides = input.cassette ? { policy: createCassettePolicy(llmCalls(store, original).map((call) => call.step)) } : undefined;
  const session = await openRecordedSession({ store, dbFile: input.dbFile, config: input.config, state, stackOverrides });
  try {
    const { scaffold: _scaffold, ...rebuilt } = rebuildNode(store, session.context.adaptersDir, node, input.outDir ?? null);
    const started = original.find((event) => event.type === 'run.started');
    const examples = examplesOf(session.context, split, started?.type === 'run.started' ? started.data.exampleIds : null);
    const evaluation = await evaluateNode(session.context, experimentId, node, split, {
      examples,
      // The seed the loop gave the original eval run, so a live replay samples the same way.
      seed: evaluationSeed(state, node.id, split),
      replayOf: originalRunId,
      replayMode: input.cassette ? 'cassette' : 'live',
      purpose: originalRunId ? 'eval' : 'audit',
    });
    const finished = original.find((event) => event.type === 'run.finished');
    const originalScore = finished?.type === 'run.finished' ? finished.data.score : null;
    const divergences = originalRunId ? compareRuns(runRecord(store, original), runRecord(store, runEvents(store, evaluation.runId))) : [];
    const verifierChanged = original.some((event) => event.type === 'reward.recorded' && event.data.verifierHash !== session.context.task.verifier.hash);
    return {
      experimentId,
      nodeId,
      split,
      mode: input.cassette ? 'cassette' : 'live',
      originalRunId,
      runId: evaluation.runId,
      originalScore,
      score: evaluation.score,
      difference: originalScore === null ? null : evaluation.score - originalScore,
      rebuilt,
      exact: originalRunId ? divergences.length === 0 : null,
      divergences,
      verifierChanged,
    };
  } finally {
    await session.close();
  }
}

/** The node's latest finished eval run on the split that is not itself a replay. */
export function originalEvalRun(state: LoopState, nodeId: string, split: Split): string | null {
  const runs = Object.entries(state.runs).filter(([, run]) => run.nodeId === nodeId && run.split === split && run.purpose === 'eval');
  return runs.at(-1)?.[0] ?? null;
}

function examplesOf(context: LoopContext, split: Split, ids: string[] | null): TaskExample[] {
  const pool = context.splits[split];
  if (!ids) return pool;
  const byId = new Map(pool.map((example) => [example.id, example]));
  return ids.map((id) => {
    const example = byId.get(id);
    if (!example) throw new IntegrityError(`example ${id} of the original run is not in the task's ${split} split any more (task data or split seed changed)`);
    return example;
  });
}

function llmCalls(store: EventStore, events: StoredEvent[]): { exampleId: string; step: RecordedLlmCall }[] {
  const inline = createRequestReader(store);
  const calls: { exampleId: string; index: number; step: RecordedLlmCall }[] = [];
  for (const event of events) {
    if (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call')
      calls.push({ exampleId: event.data.exampleId ?? '', index: event.data.index, step: inline(event.data.step) });
  }
  return calls.sort((a, b) => a.index - b.index);
}

function runRecord(store: EventStore, events: StoredEvent[]) {
  const calls = new Map<string, CallRecord[]>();
  for (const { exampleId, step } of llmCalls(store, events)) {
    const record: CallRecord = {
      messages: step.request.messages,
      guidedChoice: step.request.guidedChoice,
      completion: step.completion,
      tokenIds: step.tokenIds,
    };
    calls.set(exampleId, [...(calls.get(exampleId) ?? []), record]);
  }
  const outputs = new Map<string, unknown>();
  for (const event of events) if (event.type === 'reward.recorded') outputs.set(event.data.exampleId, event.data.output);
  return { calls, outputs };
}
