import { z } from 'zod';
import { Sha256, Split, Usage } from './common.ts';

export const RunStarted = z.object({
  type: z.literal('run.started'),
  data: z.object({
    runId: z.string(),
    experimentId: z.string(),
    nodeId: z.string(),
    scaffoldId: Sha256,
    adapterId: z.string().nullable(),
    split: Split,
    exampleIds: z.array(z.string()),
    /** Replays link to the run they repeat; `cassette` replays answer model calls from its recorded steps. */
    replayOf: z.string().nullable().default(null),
    replayMode: z.enum(['live', 'cassette']).nullable().default(null),
    /**
     * `eval` scores a node; `rollout` samples the policy on train to collect RL groups (not a score); `audit`
     * re-runs a node after the fact (sia audit, replays) and never changes the node's recorded scores.
     */
    purpose: z.enum(['eval', 'rollout', 'audit']).default('eval'),
    /**
     * The OS boundary the scaffold ran in: bubblewrap, unshare, or none when the user passed `--sandbox none`
     * (flagged by `sia audit`). Null in logs written before OS isolation, when only Node's permission model ran.
     */
    isolation: z.enum(['bwrap', 'unshare', 'none']).nullable().default(null),
  }),
});

export const LlmCallStep = z.object({
  kind: z.literal('llm_call'),
  model: z.string(),
  request: z.object({
    messages: z.array(z.object({ role: z.string(), content: z.string() })),
    guidedChoice: z.array(z.string()).nullable(),
    temperature: z.number().nullable(),
  }),
  completion: z.string(),
  tokenIds: z.array(z.number().int()),
  /**
   * The prompt's token ids where the server reports them (vLLM): training rows are prompt + completion. Optional
   * rather than defaulted: older events are read without upcasting, so readers treat absence as [].
   */
  promptTokenIds: z.array(z.number().int()).optional(),
  logprobs: z.array(z.number()),
  latencyMs: z.number().nonnegative(),
  usage: Usage,
});

export const Step = z.discriminatedUnion('kind', [
  LlmCallStep,
  z.object({ kind: z.literal('tool_call'), name: z.string(), input: z.unknown(), output: z.unknown() }),
  z.object({ kind: z.literal('log'), level: z.enum(['debug', 'info', 'warn']), message: z.string() }),
  z.object({
    kind: z.literal('error'),
    errorKind: z.enum(['throw', 'timeout', 'memory', 'output', 'escape', 'exit', 'model', 'verifier']),
    message: z.string(),
  }),
]);
export type Step = z.infer<typeof Step>;

export const RunStepRecorded = z.object({
  type: z.literal('run.step_recorded'),
  data: z.object({ runId: z.string(), exampleId: z.string().nullable(), index: z.number().int().nonnegative(), step: Step }),
});

export const RewardRecorded = z.object({
  type: z.literal('reward.recorded'),
  data: z.object({
    runId: z.string(),
    experimentId: z.string(),
    nodeId: z.string(),
    exampleId: z.string(),
    split: Split,
    reward: z.number(),
    /** The task's own metric for this item (may equal reward). */
    metric: z.number(),
    verifierHash: Sha256,
    /** The scaffold's answer as the verifier saw it (truncated when large). */
    output: z.unknown(),
    /** What the verifier said beyond the reward (e.g. which charges matched, the number it parsed); null when nothing. */
    detail: z.record(z.string(), z.unknown()).nullable().default(null),
  }),
});

/** v2 added usage and errors; v1 events are upcast on read (see core/events/upcasters.ts). */
export const RunFinished = z.object({
  type: z.literal('run.finished'),
  data: z.object({
    runId: z.string(),
    experimentId: z.string(),
    nodeId: z.string(),
    split: Split,
    score: z.number(),
    metricName: z.string(),
    n: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    usage: Usage,
    wallMs: z.number().nonnegative(),
  }),
});
