/**
 * The HTTP contract's shapes as zod types: requests are validated with them and /api/openapi.json is
 * generated from them, so the documentation cannot drift from what the server accepts and returns.
 */
import { z } from 'zod';
import { AuditPerformed, EvidenceCoverage, GateComparison, SiaEvent, Split, Step } from '../core/events/index.ts';
import type { ExperimentSummary, LineageNode, LineageState } from '../core/projections/lineage.ts';

// ---- request parts ----

/** Ids are what the loop and the CLI mint: letters, digits and a few separators, never slashes or spaces. */
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'expected an id of letters, digits, ".", "_", ":" or "-" (at most 128)');
/** A global log position given in a query string. */
const Position = z.coerce
  .number({ error: 'expected a non-negative integer' })
  .int('expected a non-negative integer')
  .nonnegative('expected a non-negative integer');
const Limit = (fallback: number, max: number) =>
  z.coerce
    .number({ error: `expected an integer from 1 to ${max}` })
    .int(`expected an integer from 1 to ${max}`)
    .min(1, `expected an integer from 1 to ${max}`)
    .max(max, `expected an integer from 1 to ${max}`)
    .default(fallback);
const EventTypeName = z.enum(SiaEvent.options.map((option) => option.shape.type.value) as [string, ...string[]]);
const TypesList = z
  .string()
  .transform((value) => value.split(',').filter(Boolean))
  .pipe(z.array(EventTypeName, { error: 'expected comma-separated event types' }));

export const IdParams = z.object({ id: Id });
const PageToken = z.string().min(1).max(1000);
export const LineageQuery = z.strictObject({
  at: Position.optional(),
  limit: Limit(100, 1000),
  page_token: PageToken.optional(),
  /** `full`: the whole lineage in one body, every node with every field (the shape before paging). */
  view: z.enum(['compact', 'full']).default('compact'),
});
export const ListQuery = z.strictObject({ limit: Limit(100, 1000), page_token: PageToken.optional() });
export const PageQuery = z.strictObject({ after: Position.default(0), limit: Limit(100, 1000) });
export const EventsQuery = z.strictObject({
  after: Position.default(0),
  limit: Limit(100, 1000),
  stream: z.string().min(1).max(200).optional(),
  types: TypesList.optional(),
});
export const StreamQuery = z.strictObject({ after: Position.optional(), types: TypesList.optional() });
export const EmptyQuery = z.strictObject({});

// ---- responses ----

export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  fault: z.string(),
  field: z.string().optional(),
  hint: z.string().optional(),
});

const Decision = z.object({
  iteration: z.number().int(),
  nodeId: z.string(),
  kind: z.enum(['harness', 'weights', 'stop']),
  algorithm: z.string().nullable(),
  position: z.number().int(),
});

export const ExperimentSummarySchema = z.object({
  id: z.string(),
  taskId: z.string(),
  mode: z.enum(['h', 'w+h']),
  seed: z.number().int(),
  createdAt: z.string(),
  position: z.number().int(),
  status: z.enum(['running', 'finished']),
  finishReason: z.string().nullable(),
  bestNodeId: z.string().nullable(),
  finalScores: z.object({ dev: z.number().nullable(), holdout: z.number().nullable() }).nullable(),
  nodeIds: z.array(z.string()),
  decisions: z.array(Decision),
  forkOf: z.object({ experimentId: z.string(), nodeId: z.string() }).nullable(),
  branches: z.array(z.object({ fromNodeId: z.string(), iterations: z.number().int(), position: z.number().int() })),
});

const Scores = z.object({ train: z.number().optional(), dev: z.number().optional(), holdout: z.number().optional() });

export const LineageNodeSchema = z.object({
  id: z.string(),
  experimentId: z.string(),
  parentId: z.string().nullable(),
  kind: z.enum(['seed', 'harness', 'weights']),
  scaffoldId: z.string(),
  adapterId: z.string().nullable(),
  status: z.enum(['proposed', 'accepted', 'rejected', 'cancelled']),
  author: z.string(),
  operator: z.string().nullable(),
  algorithm: z.string().nullable(),
  rationale: z.string(),
  comparison: GateComparison.nullable(),
  scores: Scores,
  runIds: z.array(z.string()),
  position: z.number().int(),
});

/** A lineage node as the API shows it: plus the loop iteration that produced it (0 for the seed). */
export const NodeView = LineageNodeSchema.extend({ iteration: z.number().int().nonnegative() });

export const ExperimentListItem = ExperimentSummarySchema.omit({ nodeIds: true, decisions: true }).extend({
  nodeCount: z.number().int(),
  decisionCount: z.number().int(),
});
export const ExperimentList = z.object({
  position: z.number().int(),
  experiments: z.array(ExperimentListItem),
  /** Pass as `page_token` for the next page; null on the last. */
  next_page_token: z.string().nullable(),
});

export const ExperimentDetail = z.object({
  position: z.number().int(),
  experiment: ExperimentSummarySchema,
  /** The experiment.created event's data: task, config (secrets removed), split sizes. */
  created: z.record(z.string(), z.unknown()),
});

export const LineageBody = z.object({ position: z.number().int(), experiment: ExperimentSummarySchema, nodes: z.array(NodeView) });

/** What the lineage tree, curves and decisions table need of a node (the gate's verdict included); the rest (rationale, runs, scaffold and adapter ids, …) is on /api/nodes/{id}. */
export const CompactNode = NodeView.pick({
  id: true,
  parentId: true,
  kind: true,
  status: true,
  comparison: true,
  algorithm: true,
  scores: true,
  iteration: true,
  position: true,
});
export const LineagePage = z.object({
  /** The log position every page of this listing is read at (pinned by the page token). */
  position: z.number().int(),
  experiment: ExperimentListItem,
  nodes: z.array(CompactNode),
  next_page_token: z.string().nullable(),
});

const RunRecord = z.object({
  nodeId: z.string(),
  split: Split,
  purpose: z.enum(['eval', 'rollout', 'audit']),
  replayOf: z.string().nullable(),
  score: z.number().nullable(),
});
export const RunSummary = RunRecord.extend({ runId: z.string() });

export const NodeDetail = z.object({
  position: z.number().int(),
  node: NodeView,
  /** Decisions the Feedback-Agent took from this node; `evidence` is what its prompt carried (null: offline agent). */
  decisions: z.array(
    z.object({
      iteration: z.number().int(),
      kind: z.enum(['harness', 'weights', 'stop']),
      algorithm: z.string().nullable(),
      evidence: EvidenceCoverage.nullable(),
    }),
  ),
  scaffold: z.object({
    scaffoldId: z.string(),
    parentScaffoldId: z.string().nullable(),
    entry: z.string(),
    /** Unified diff against the parent scaffold; empty for the seed and for weight updates (harness frozen). */
    diff: z.string(),
    files: z.array(z.object({ path: z.string(), sha256: z.string(), content: z.string().nullable() })),
  }),
  adapter: z
    .object({
      adapterId: z.string(),
      parentAdapterId: z.string().nullable(),
      baseModel: z.string(),
      algorithm: z.string(),
      hyperparams: z.record(z.string(), z.unknown()),
      files: z.record(z.string(), z.string()),
      uri: z.string(),
      /** manifest.json read from the adapter folder when the uri is a local file:// path that exists. */
      manifest: z.unknown().nullable(),
    })
    .nullable(),
  runs: z.array(RunSummary),
});

const Envelope = z.object({
  position: z.number().int(),
  id: z.string(),
  streamId: z.string(),
  streamVersion: z.number().int(),
  schemaVersion: z.number().int(),
  recordedAt: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});
export const StoredEventSchema = z.intersection(SiaEvent, Envelope);

export const EventsPage = z.object({
  events: z.array(StoredEventSchema),
  /** Pass as `after` for the next page (the last position returned, or the given `after` when none was). */
  next: z.number().int(),
  /** Whether more events matched past this page when it was read. */
  hasMore: z.boolean(),
  head: z.number().int(),
});

export const StepsPage = z.object({
  run: RunSummary.extend({ experimentId: z.string() }),
  steps: z.array(z.object({ position: z.number().int(), index: z.number().int(), exampleId: z.string().nullable(), step: Step })),
  next: z.number().int(),
  hasMore: z.boolean(),
});

export const AuditBody = z.object({
  position: z.number().int(),
  experimentId: z.string(),
  audit: AuditPerformed.shape.data,
  recordedAt: z.string(),
});

// The zod response types must stay in step with the projection's TypeScript types: these fail to compile if not.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const lineageTypesAgree: [
  Same<z.infer<typeof LineageNodeSchema>, LineageNode>,
  Same<z.infer<typeof ExperimentSummarySchema>, ExperimentSummary>,
  Same<z.infer<typeof RunRecord>, LineageState['runs'][string]>,
] = [true, true, true];
