import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntegrityError, NotFoundError } from '../../core/errors.ts';
import type { LineageNode, LineageState } from '../../core/projections/lineage.ts';
import { createRequestReader } from '../../gateway/request-blobs.ts';
import { findNode, nearestAncestor, nodeView } from '../lineage-view.ts';
import type { LineageReader } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { EmptyQuery, IdParams, NodeDetail, PageQuery, StepsPage } from '../schemas.ts';

const MANIFEST_MAX_BYTES = 1 << 20;

export function nodeRoutes(reader: LineageReader): ApiRoute[] {
  return [
    apiRoute(
      {
        path: '/api/nodes/{id}',
        summary: 'One lineage node: scaffold files and diff, adapter manifest, scores per split, runs',
        params: IdParams,
        query: EmptyQuery,
        response: NodeDetail,
        notFound: 'no such node',
      },
      (c, { params }) => {
        const { state, position } = reader.current();
        const node = findNode(state, params.id);
        const experiment = state.experiments[node.experimentId];
        const runs = node.runIds.map((runId) => ({ runId, ...state.runs[runId] }));
        return c.json({
          position,
          node: nodeView(experiment, node),
          scaffold: scaffoldOf(reader, state, node),
          adapter: adapterOf(reader, state, node),
          runs,
          decisions: decisionsFrom(reader, experiment, node),
        });
      },
    ),

    apiRoute(
      {
        path: '/api/runs/{id}/steps',
        summary: 'The steps a run recorded (model calls, tool calls, logs, errors), a page at a time',
        params: IdParams,
        query: PageQuery,
        response: StepsPage,
        notFound: 'no such run',
      },
      (c, { params, query }) => {
        const { state } = reader.current();
        const run = state.runs[params.id];
        if (!run) throw new NotFoundError(`no run ${params.id}`, { hint: 'run ids are listed by GET /api/nodes/{id}' });
        const events = reader.store.read({ streamId: `run-${params.id}`, types: ['run.step_recorded'], after: query.after, limit: query.limit + 1 });
        const page = events.slice(0, query.limit);
        const inline = createRequestReader(reader.store);
        const steps = page.flatMap((event) =>
          event.type === 'run.step_recorded'
            ? [
                {
                  position: event.position,
                  index: event.data.index,
                  exampleId: event.data.exampleId,
                  step: event.data.step.kind === 'llm_call' ? inline(event.data.step) : event.data.step,
                },
              ]
            : [],
        );
        return c.json({
          run: { runId: params.id, experimentId: state.nodes[run.nodeId]?.experimentId ?? '', ...run },
          steps,
          next: page.length ? page[page.length - 1].position : query.after,
          hasMore: events.length > query.limit,
        });
      },
    ),
  ];
}

/** The Feedback-Agent's decisions taken from this node, with how much of the train evidence its prompt carried. */
function decisionsFrom(reader: LineageReader, experiment: LineageState['experiments'][string], node: LineageNode) {
  return experiment.decisions
    .filter((decision) => decision.nodeId === node.id)
    .map((decision) => {
      const event = reader.eventAt(decision.position);
      const evidence = event.type === 'feedback.decided' ? (event.data.evidence ?? null) : null;
      return { iteration: decision.iteration, kind: decision.kind, algorithm: decision.algorithm, evidence };
    });
}

/** The scaffold the node runs: written by the node itself, or (for a weight update) by its nearest harness ancestor. */
function scaffoldOf(reader: LineageReader, state: LineageState, node: LineageNode) {
  const author = nearestAncestor(state, node, (candidate) => candidate.kind !== 'weights');
  if (!author) throw new NotFoundError(`node ${node.id} has no scaffold.proposed ancestor`);
  const event = reader.eventAt(author.position);
  if (event.type !== 'scaffold.proposed')
    throw new IntegrityError(`position ${author.position} should hold node ${author.id}'s scaffold.proposed`, author.position);
  const { data } = event;
  return {
    scaffoldId: data.scaffoldId,
    parentScaffoldId: data.parentScaffoldId,
    entry: data.entry,
    diff: author === node ? data.diff : '',
    files: Object.entries(data.files).map(([path, sha256]) => ({ path, sha256, content: reader.store.getBlobText(sha256) })),
  };
}

/** The adapter the node runs (null = base weights), from the weights.checkpointed event that made it. */
function adapterOf(reader: LineageReader, state: LineageState, node: LineageNode) {
  if (node.adapterId === null) return null;
  const isTrainer = (candidate: LineageNode) => candidate.kind === 'weights' && candidate.adapterId === node.adapterId;
  // A forked experiment's adapter was trained in its parent experiment: fall back to a scan.
  const trainer = nearestAncestor(state, node, isTrainer) ?? Object.values(state.nodes).find(isTrainer);
  if (!trainer) return null;
  const event = reader.eventAt(trainer.position);
  if (event.type !== 'weights.checkpointed')
    throw new IntegrityError(`position ${trainer.position} should hold node ${trainer.id}'s weights.checkpointed`, trainer.position);
  const { adapterId, parentAdapterId, baseModel, algorithm, hyperparams, files, uri } = event.data;
  return { adapterId, parentAdapterId, baseModel, algorithm, hyperparams, files, uri, manifest: readManifest(uri) };
}

/** manifest.json of a local adapter folder; null when the uri is remote or the folder is gone. */
function readManifest(uri: string): unknown {
  if (!uri.startsWith('file:')) return null;
  let file: string;
  try {
    file = join(fileURLToPath(uri), 'manifest.json');
  } catch {
    return null;
  }
  if (!existsSync(file)) return null;
  if (statSync(file).size > MANIFEST_MAX_BYTES) return { error: `${file} is larger than ${MANIFEST_MAX_BYTES} bytes` };
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { error: `${file} is not valid JSON: ${(error as Error).message}` };
  }
}
