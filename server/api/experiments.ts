import { NotFoundError } from '../../core/errors.ts';
import type { EventData } from '../../core/events/index.ts';
import { LineageBodies } from '../lineage-body.ts';
import { experimentListItem, findExperiment } from '../lineage-view.ts';
import type { LineageReader } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { AuditBody, EmptyQuery, ExperimentDetail, ExperimentList, IdParams, LineageBody, LineageQuery } from '../schemas.ts';

export function experimentRoutes(reader: LineageReader): ApiRoute[] {
  const lineageBodies = new LineageBodies();

  return [
    apiRoute({ path: '/api/experiments', summary: 'Every experiment, oldest first', query: EmptyQuery, response: ExperimentList }, (c) => {
      const { state, position } = reader.current();
      return c.json({ position, experiments: Object.values(state.experiments).map(experimentListItem) });
    }),

    apiRoute(
      {
        path: '/api/experiments/{id}',
        summary: 'One experiment: its summary, decisions and settings',
        params: IdParams,
        query: EmptyQuery,
        response: ExperimentDetail,
        notFound: 'no such experiment',
      },
      (c, { params }) => {
        const snapshot = reader.current();
        const experiment = findExperiment(snapshot, params.id);
        const created = reader.eventAt(experiment.position);
        return c.json({ position: snapshot.position, experiment, created: created.data });
      },
    ),

    apiRoute(
      {
        path: '/api/experiments/{id}/lineage',
        summary: 'The (scaffold, adapter) lineage tree with scores per split; `at` answers as of a past log position',
        params: IdParams,
        query: LineageQuery,
        response: LineageBody,
        notFound: 'no such experiment (as of `at`)',
      },
      (c, { params, query }) => {
        const snapshot = reader.asOf(query.at);
        const etag = `W/"${LineageBodies.key(params.id, snapshot)}"`;
        if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag });
        const body = lineageBodies.body(snapshot, findExperiment(snapshot, params.id, query.at));
        return c.body(body, 200, { 'content-type': 'application/json; charset=UTF-8', etag });
      },
    ),

    apiRoute(
      {
        path: '/api/experiments/{id}/audit',
        summary: 'The latest audit.performed result for the experiment',
        params: IdParams,
        query: EmptyQuery,
        response: AuditBody,
        notFound: 'no such experiment, or it has not been audited yet',
      },
      (c, { params }) => {
        findExperiment(reader.current(), params.id);
        let latest: { position: number; recordedAt: string; data: EventData<'audit.performed'> } | null = null;
        for (const event of reader.store.iterate({ types: ['audit.performed'] })) {
          if (event.type === 'audit.performed' && event.data.experimentId === params.id) latest = event;
        }
        if (!latest) throw new NotFoundError(`experiment ${params.id} has not been audited yet`, { hint: `run \`sia audit ${params.id}\`` });
        return c.json({ position: latest.position, experimentId: params.id, audit: latest.data, recordedAt: latest.recordedAt });
      },
    ),
  ];
}
