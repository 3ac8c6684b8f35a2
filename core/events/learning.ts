import { z } from 'zod';
import { GateComparison, Sha256, Usage } from './common.ts';

export const RewardStatistics = z.object({
  n: z.number().int().nonnegative(),
  mean: z.number(),
  std: z.number(),
  successRate: z.number(),
  /** Share of items whose reward is neither 0 nor 1 (dense vs binary outcome). */
  density: z.number(),
  /** Share of groups with at least two distinct rewards (pairs exist for DPO, variance for GRPO). */
  pairwiseAvailability: z.number(),
  /** Mean samples per group (1: one greedy sample per item; 2: preference pairs). Absent in logs before 2026-07. */
  groupSize: z.number().nonnegative().optional(),
  /** Share of rewards below 0 (costs, negated runtimes): "success" (reward > 0) means nothing for them. */
  negativeShare: z.number().min(0).max(1).optional(),
  /**
   * Tail heaviness of the graded rewards: mean of the top 10% over the median, both measured above the minimum
   * (1 for binary outcomes, about 1.9 for uniform, about 6 for a lognormal with σ = 1).
   */
  tailRatio: z.number().nonnegative().optional(),
  /** Distinct reward values, capped at 1000 (few levels: partial credit; many: continuous). */
  levels: z.number().int().nonnegative().optional(),
  /** Where the rewards come from: the rollouts that will be trained on, or one train evaluation sample per item. */
  source: z.enum(['rollouts', 'train-eval']).optional(),
});
export type RewardStatistics = z.infer<typeof RewardStatistics>;

/** How much of the available train evidence the Feedback-Agent's prompt carried (LLM agents cut to a token budget). */
export const EvidenceCoverage = z.object({
  itemsShown: z.number().int().nonnegative(),
  itemsAvailable: z.number().int().nonnegative(),
  bytesShown: z.number().int().nonnegative(),
  bytesAvailable: z.number().int().nonnegative(),
  /** Failure kinds with at least one item shown, and those present among the available items. */
  failureKindsShown: z.array(z.string()),
  failureKindsAvailable: z.array(z.string()),
  /** Estimated prompt tokens and the budget they were filled to. */
  promptTokens: z.number().int().nonnegative(),
  tokenBudget: z.number().int().positive(),
});
export type EvidenceCoverage = z.infer<typeof EvidenceCoverage>;

/** Trainer settings and algorithm options of one weights update, after validation (loop/hyperparams.ts). */
export const AppliedHyperparams = z.object({
  training: z.object({ lr: z.number(), epochs: z.number().int(), minibatches: z.number().int() }),
  options: z.record(z.string(), z.unknown()),
});

export type AppliedHyperparams = z.infer<typeof AppliedHyperparams>;

export const FeedbackDecided = z.object({
  type: z.literal('feedback.decided'),
  data: z.object({
    experimentId: z.string(),
    iteration: z.number().int().nonnegative(),
    /** The node the decision starts from. */
    nodeId: z.string(),
    kind: z.enum(['harness', 'weights', 'stop']),
    rationale: z.string(),
    algorithm: z.string().nullable(),
    /** The selector's advice from reward statistics, shown to LLM agents and followed by the offline one. */
    advice: z.object({ algorithm: z.string(), reason: z.string() }).nullable(),
    rewardStatistics: RewardStatistics,
    agent: z.string(),
    promptHash: Sha256.nullable(),
    usage: Usage,
    /** Attempts the agent needed to produce a valid decision (malformed answers are retried). */
    attempts: z.number().int().positive().default(1),
    /** What the agent saw of the train evidence; absent for agents that read the structured context whole (offline). */
    evidence: EvidenceCoverage.optional(),
    /** Weights only: the validated hyperparameters the update will use (trainer settings and algorithm options). */
    hyperparams: AppliedHyperparams.optional(),
  }),
});

export const TrainingSubmitted = z.object({
  type: z.literal('training.submitted'),
  data: z.object({
    experimentId: z.string(),
    jobId: z.string(),
    trainer: z.string(),
    algorithm: z.string(),
    nodeId: z.string(),
    /** The sia.train-job/v1 spec (see gpu/). */
    job: z.record(z.string(), z.unknown()),
    batchSha256: Sha256,
    /** Remote handle (Modal function call id, pid) so a restarted sia resumes polling. */
    handle: z.string().nullable(),
    /** The hyperparameters applied (absent in logs from before they were recorded). */
    hyperparams: AppliedHyperparams.optional(),
  }),
});

export const TrainingProgressed = z.object({
  type: z.literal('training.progressed'),
  data: z.object({
    jobId: z.string(),
    step: z.number().int().nonnegative(),
    totalSteps: z.number().int().nonnegative().nullable(),
    metrics: z.record(z.string(), z.number()),
  }),
});

export const TrainingCompleted = z.object({
  type: z.literal('training.completed'),
  data: z.object({ jobId: z.string(), adapterId: z.string(), metrics: z.record(z.string(), z.number()) }),
});

export const TrainingFailed = z.object({
  type: z.literal('training.failed'),
  data: z.object({ jobId: z.string(), error: z.string() }),
});

/** A LoRA adapter on disk in the PEFT layout, with sha256 of each file (manifest.json included). */
export const WeightsCheckpointed = z.object({
  type: z.literal('weights.checkpointed'),
  data: z.object({
    experimentId: z.string(),
    adapterId: z.string(),
    parentAdapterId: z.string().nullable(),
    nodeId: z.string(),
    parentNodeId: z.string(),
    scaffoldId: Sha256,
    baseModel: z.string(),
    algorithm: z.string(),
    hyperparams: z.record(z.string(), z.unknown()),
    files: z.record(z.string(), Sha256),
    uri: z.string(),
    jobId: z.string().nullable(),
  }),
});

const Verdict = z.object({
  experimentId: z.string(),
  nodeId: z.string(),
  adapterId: z.string(),
  comparison: GateComparison.nullable(),
});
export const WeightsAccepted = z.object({ type: z.literal('weights.accepted'), data: Verdict });
export const WeightsRejected = z.object({ type: z.literal('weights.rejected'), data: Verdict });

/** The policy now serves this adapter (null = base weights); a rollback is one more of these. */
export const WeightsServed = z.object({
  type: z.literal('weights.served'),
  data: z.object({ experimentId: z.string(), adapterId: z.string().nullable(), servedName: z.string(), endpoint: z.string() }),
});

/**
 * The serving-parity check of a newly served adapter: the policy server's logprobs of the trainer's probe tokens
 * (parity_probe.json, written by the worker next to the adapter) against the trainer's own. A gap means serving
 * and training disagree (tokenizer, dtype, kernels, LoRA application), which skews every importance ratio.
 * `skipped` says why nothing was measured (no probe, a server that cannot score token ids); then the numbers are null.
 */
export const ServingParityChecked = z.object({
  type: z.literal('serving.parity_checked'),
  data: z.object({
    experimentId: z.string(),
    adapterId: z.string(),
    servedName: z.string(),
    endpoint: z.string(),
    /** The trainer's dtype, which sets the threshold (fp32/fp64 1e-3, 16-bit 0.1). */
    dtype: z.string().nullable(),
    tokens: z.number().int().nonnegative(),
    maxAbsDiff: z.number().nullable(),
    meanAbsDiff: z.number().nullable(),
    threshold: z.number(),
    passed: z.boolean().nullable(),
    skipped: z.string().nullable(),
  }),
});

export { Usage };
