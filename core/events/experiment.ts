import { z } from 'zod';
import { Mode, Sha256, Usage } from './common.ts';

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
  }),
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
