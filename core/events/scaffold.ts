import { z } from 'zod';
import { GateComparison, Sha256 } from './common.ts';

/**
 * A harness version. Files are content-addressed blobs; the node pairs this scaffold with the adapter
 * it runs with (null = base weights), which stays frozen for a harness edit.
 */
export const ScaffoldProposed = z.object({
  type: z.literal('scaffold.proposed'),
  data: z.object({
    experimentId: z.string(),
    nodeId: z.string(),
    parentNodeId: z.string().nullable(),
    scaffoldId: Sha256,
    parentScaffoldId: Sha256.nullable(),
    adapterId: z.string().nullable(),
    /** path -> blob sha256 */
    files: z.record(z.string(), Sha256),
    entry: z.string(),
    author: z.enum(['meta', 'feedback', 'user']),
    rationale: z.string(),
    /** Unified diff against the parent scaffold (empty for the first). */
    diff: z.string(),
    /** Hash of the Meta/Feedback prompt blob that produced it, when an agent did. */
    promptHash: Sha256.nullable().default(null),
    operator: z.string().nullable().default(null),
  }),
});

const Verdict = z.object({ experimentId: z.string(), nodeId: z.string(), comparison: GateComparison.nullable() });

export const ScaffoldAccepted = z.object({ type: z.literal('scaffold.accepted'), data: Verdict });
export const ScaffoldRejected = z.object({ type: z.literal('scaffold.rejected'), data: Verdict });
