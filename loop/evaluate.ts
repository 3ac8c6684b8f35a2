import type { Split, Usage } from '../core/events/index.ts';
import { servingChanged } from '../core/loop/decide.ts';
import type { LoopNode } from '../core/loop/state.ts';
import type { NewEvent } from '../core/ports/event-store.ts';
import type { AdapterRef } from '../core/ports/policy-model.ts';
import type { SandboxResult } from '../core/ports/sandbox.ts';
import type { TaskExample, Verdict } from '../core/ports/task.ts';
import { adapterInLog, materializeAdapter } from './adapter-blobs.ts';
import type { LoopContext } from './context.ts';
import type { ExperimentLog } from './experiment-log.ts';
import { loadScaffold } from './scaffolds.ts';
import { checkServingParity } from './serving-parity.ts';

export interface EvaluationOptions {
  purpose?: 'eval' | 'rollout' | 'audit';
  /** Forces the policy's sampling temperature (rollouts). */
  temperature?: number | null;
  examples?: TaskExample[];
  replayOf?: string | null;
  replayMode?: 'live' | 'cassette' | null;
  seed?: number;
  /** Stored on run.started, e.g. which audit check and variant ran it, so later audits can reuse the run. */
  metadata?: Record<string, unknown>;
  /**
   * The experiment's log, for the loop's own runs: the result lands there as evaluation.recorded (what the fold
   * reads), and a served model switching adapters for this run as weights.served.
   */
  log?: ExperimentLog;
}

export interface Evaluation {
  runId: string;
  score: number;
  rewards: Record<string, number>;
  outputs: Record<string, unknown>;
  errors: Record<string, string>;
  usage: Usage;
}

const OUTPUT_CAP = 4_000;

export const adapterDir = (context: LoopContext, adapterId: string) => context.stack.adapters.path(adapterId);
export const adapterRef = (context: LoopContext, adapterId: string | null): AdapterRef | null =>
  adapterId ? { adapterId, dir: adapterDir(context, adapterId) } : null;
export const adapterUri = (context: LoopContext, adapterId: string) => context.stack.adapters.uri(adapterId);

/**
 * Runs a node's scaffold in the sandbox on a split, the policy serving the node's adapter through the gateway;
 * the verifier (outside the sandbox) scores each item and every fact lands in the run's stream.
 */
export async function evaluateNode(
  context: LoopContext,
  experimentId: string,
  node: LoopNode,
  split: Split,
  options: EvaluationOptions = {},
): Promise<Evaluation> {
  const { store, task, stack } = context;
  const examples = options.examples ?? context.splits[split];
  const runId = context.newId('run');
  const stream = `run-${runId}`;
  const seed = options.seed ?? 0;
  const append = (events: NewEvent[]) => store.append(stream, events);
  append([
    {
      id: `${runId}-started`,
      type: 'run.started',
      data: {
        runId,
        experimentId,
        isolation: context.stack.sandbox.isolation,
        nodeId: node.id,
        scaffoldId: node.scaffoldId,
        adapterId: node.adapterId,
        split,
        exampleIds: examples.map((example) => example.id),
        replayOf: options.replayOf ?? null,
        replayMode: options.replayMode ?? null,
        purpose: options.purpose ?? 'eval',
      },
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
  ]);
  // Adapters the log holds are written to the cache folder when missing; a remote trainer's stay on its volume.
  if (node.adapterId && node.adapterFiles && adapterInLog(store, node.adapterFiles))
    materializeAdapter(store, adapterDir(context, node.adapterId), node.adapterFiles);
  await stack.policy.useAdapter(adapterRef(context, node.adapterId));
  if (options.log) {
    recordServing(options.log, experimentId, context, node.adapterId);
    await checkServingParity(options.log, context, experimentId, adapterRef(context, node.adapterId));
  }
  context.gateway.runs.open(runId, { temperature: options.temperature ?? null, seed });
  const byId = new Map(examples.map((example) => [example.id, example]));
  const verdicts = new Map<string, Promise<Verdict>>();
  const errors: Record<string, string> = {};
  const started = context.clock().getTime();

  const onResult = (result: SandboxResult) => {
    const example = byId.get(result.exampleId);
    if (!example) return;
    if (result.error) {
      errors[example.id] = `${result.error.kind}: ${result.error.message}`;
      append([
        {
          id: `${runId}-error-${example.id}`,
          type: 'run.step_recorded',
          data: {
            runId,
            exampleId: example.id,
            index: 1_000_000 + Object.keys(errors).length,
            step: { kind: 'error', errorKind: result.error.kind, message: result.error.message.slice(0, 2000) },
          },
        },
      ]);
    }
    verdicts.set(example.id, scoreItem(context, example, result));
  };
  const scaffold = loadScaffold(store, node.entry, node.files);
  const results = await stack.sandbox.run(
    {
      runId,
      scaffold,
      examples: examples.map((example) => task.view(example)),
      gatewayUrl: context.gateway.url,
      limits: context.options.limits,
      seed,
      key: context.sandboxKey,
    },
    onResult,
  );
  for (const result of results) if (!verdicts.has(result.exampleId)) onResult(result);
  const outputs = Object.fromEntries(results.map((result) => [result.exampleId, result.output]));

  const rewards: Record<string, number> = {};
  const scored: Verdict[] = [];
  const rewardEvents: NewEvent[] = [];
  for (const example of examples) {
    const verdict = (await verdicts.get(example.id)) ?? { reward: 0, metric: 0, detail: { missing: true } };
    rewards[example.id] = verdict.reward;
    scored.push(verdict);
    rewardEvents.push({
      id: `${runId}-reward-${example.id}`,
      type: 'reward.recorded',
      data: {
        runId,
        experimentId,
        nodeId: node.id,
        exampleId: example.id,
        split,
        reward: verdict.reward,
        metric: verdict.metric,
        verifierHash: task.verifier.hash,
        output: capOutput(outputs[example.id]),
        detail: capDetail(verdict.detail),
      },
    });
  }
  append(rewardEvents);
  const usage = context.gateway.runs.close(runId);
  const score = task.aggregate ? task.aggregate(scored) : scored.reduce((sum, verdict) => sum + verdict.metric, 0) / Math.max(1, scored.length);
  append([
    {
      id: `${runId}-finished`,
      type: 'run.finished',
      data: {
        runId,
        experimentId,
        nodeId: node.id,
        split,
        score,
        metricName: task.metric.name,
        n: examples.length,
        errors: Object.keys(errors).length,
        usage,
        wallMs: context.clock().getTime() - started,
      },
    },
  ]);
  const purpose = options.purpose ?? 'eval';
  if (options.log && purpose !== 'audit') {
    options.log.execute({
      type: 'RecordEvaluation',
      data: { experimentId, runId, nodeId: node.id, split, purpose, score, rewards, errors: Object.keys(errors).length, usage },
    });
  }
  return { runId, score, rewards, outputs, errors, usage };
}

/**
 * One weights.served per actual switch of a served model (the log, not the process, knows what is served, so a
 * restarted sia records nothing new); in-process policies serve nothing to record.
 */
function recordServing(log: ExperimentLog, experimentId: string, context: LoopContext, adapterId: string | null): void {
  const serving = context.stack.policy.serving;
  if (!serving) return;
  const data = { experimentId, adapterId, servedName: serving.name, endpoint: serving.endpoint };
  if (servingChanged(log.state, data)) log.execute({ type: 'RecordServing', data });
}

/** A verifier that throws scores the item 0 (it never crashes the run). Missing output is wrong, not skipped. */
async function scoreItem(context: LoopContext, example: TaskExample, result: SandboxResult): Promise<Verdict> {
  if (result.error) return { reward: 0, metric: 0, detail: { error: result.error.kind } };
  try {
    return await context.task.verifier.score(example, result.output);
  } catch (error) {
    return { reward: 0, metric: 0, detail: { verifierError: error instanceof Error ? error.message : String(error) } };
  }
}

function capDetail(detail: Verdict['detail']): Record<string, unknown> | null {
  if (!detail) return null;
  const text = JSON.stringify(detail);
  return text.length <= OUTPUT_CAP ? detail : { truncated: true, preview: text.slice(0, OUTPUT_CAP) };
}

function capOutput(output: unknown): unknown {
  if (output === undefined) return null;
  const text = JSON.stringify(output) ?? 'null';
  return text.length <= OUTPUT_CAP ? output : { truncated: true, preview: text.slice(0, OUTPUT_CAP) };
}
