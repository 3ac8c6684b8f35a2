import { z } from 'zod';
import { Mode, Sha256, Split, Usage } from './common.ts';

export const ExperimentCreated = z.object({
  type: z.literal('experiment.created'),
  data: z.object({
    experimentId: z.string(),
    task: z.object({ id: z.string(), source: z.string(), verifierHash: Sha256 }),
    mode: Mode,
    seed: z.number().int(),
    /** Run settings with secrets removed (keys are named by environment variable only). */
    config: z.record(z.string(), z.unknown()),
    splitSizes: z.object({ train: z.number().int(), dev: z.number().int(), holdout: z.number().int() }),
    /** Set when this experiment continues another one's node (sia fork). */
    forkOf: z.object({ experimentId: z.string(), nodeId: z.string() }).nullable().default(null),
    /** When the experiment started by the loop's clock: the wall budget counts from here across resumes. */
    startedAt: z.string().nullable().default(null),
    /**
     * `one-stream`: every fact the loop folds is on `experiment-<id>` (evaluation.recorded carries run results).
     * `legacy` (upcast from v1): run results were only on run streams, so loading also reads those.
     */
    layout: z.enum(['one-stream', 'legacy']).default('one-stream'),
  }),
});

/** A run of the loop ended: its score and per-item rewards, on the experiment stream (details stay on the run's). */
export const EvaluationRecorded = z.object({
  type: z.literal('evaluation.recorded'),
  data: z.object({
    experimentId: z.string(),
    runId: z.string(),
    nodeId: z.string(),
    split: Split,
    /** `rollout` samples collected for the pending weights decision; `eval` scores the node. */
    purpose: z.enum(['eval', 'rollout']),
    score: z.number(),
    rewards: z.record(z.string(), z.number()),
    errors: z.number().int().nonnegative(),
    usage: Usage,
  }),
});

/** Work the loop stopped without finishing (a budget ran out): the proposed node or open job is closed, not left open. */
export const WorkCancelled = z.object({
  type: z.literal('work.cancelled'),
  data: z.object({ experimentId: z.string(), nodeId: z.string().nullable(), jobId: z.string().nullable(), reason: z.string() }),
});

/** `sia run --resume --override`: the session continues with settings that differ from the recorded ones. */
export const SettingsOverridden = z.object({
  type: z.literal('settings.overridden'),
  data: z.object({ experimentId: z.string(), settings: z.record(z.string(), z.unknown()), changed: z.array(z.string()) }),
});

export const ExperimentFinished = z.object({
  type: z.literal('experiment.finished'),
  data: z.object({
    experimentId: z.string(),
    reason: z.enum(['iterations', 'stop', 'budget', 'error']),
    bestNodeId: z.string().nullable(),
    scores: z.object({ dev: z.number().nullable(), holdout: z.number().nullable() }),
    usage: Usage,
    detail: z.string().optional(),
  }),
});

/** `sia fork`: the loop continues from an earlier node of the same experiment, as a new branch (it may have finished). */
export const ExperimentBranched = z.object({
  type: z.literal('experiment.branched'),
  data: z.object({
    experimentId: z.string(),
    fromNodeId: z.string(),
    /** Feedback decisions the branch may make, counted from the experiment's iteration at the branch. */
    iterations: z.number().int().positive(),
  }),
});

export const AuditPerformed = z.object({
  type: z.literal('audit.performed'),
  data: z.object({
    experimentId: z.string(),
    /** Log position the audit looked at (everything up to and including it). */
    atPosition: z.number().int().nonnegative(),
    clean: z.boolean(),
    checks: z.array(
      z.object({
        name: z.string(),
        passed: z.boolean(),
        summary: z.string(),
        findings: z.array(z.object({ nodeId: z.string().nullable(), message: z.string(), detail: z.unknown().optional() })),
        /** The numbers the check computed (scores per step or variant), for reports and the UI. */
        measurements: z.record(z.string(), z.unknown()).default({}),
      }),
    ),
  }),
});
