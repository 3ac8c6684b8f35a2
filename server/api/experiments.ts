import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { EventData } from '../../core/events/index.ts';
import { LineageBodies } from '../lineage-body.ts';
import { compactNode, experimentListItem, findExperiment } from '../lineage-view.ts';
import { decodePageToken, pageOf } from '../page-token.ts';
import type { LineageReader, LineageSnapshot } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { AuditBody, EmptyQuery, ExperimentDetail, ExperimentList, IdParams, LineageBody, LineagePage, LineageQuery, ListQuery } from '../schemas.ts';

const PAGES_KEPT = 256;

/**
 * The lineage as of `at`: the live snapshot (the caller's, so the log's head is read once a request) while nothing
 * in the lineage changed since `at` (no fold from the log).
 */
function pinned(reader: LineageReader, live: LineageSnapshot, at: number): LineageSnapshot {
  return live.changedAt <= at ? live : reader.asOf(at);
}

export function experimentRoutes(reader: LineageReader): ApiRoute[] {
  const lineageBodies = new LineageBodies();
  const pages = new Map<string, { etag: string; body: Buffer<ArrayBuffer> }>();

  return [
    apiRoute(
      {
        path: '/api/experiments',
        summary: 'Every experiment, oldest first, `limit` at a time (`page_token` = the previous page’s `next_page_token`)',
        query: ListQuery,
        response: ExperimentList,
      },
      (c, { query }) => {
        const live = reader.current();
        const cursor = query.page_token ? decodePageToken(query.page_token, 'experiments') : { list: 'experiments', at: live.position, offset: 0 };
        const { state } = pinned(reader, live, cursor.at);
        const { page, nextPageToken } = pageOf(Object.values(state.experiments), cursor, query.limit);
        return c.json({ position: cursor.at, experiments: page.map(experimentListItem), next_page_token: nextPageToken });
      },
    ),

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
        summary:
          'The (scaffold, adapter) lineage with scores per split, `limit` compact nodes a page (`page_token` = the previous page’s `next_page_token`; every page is read at the first one’s position); `at` answers as of a past log position; `view=full`: the whole lineage, full nodes, in one body. ETag / If-None-Match → 304',
        params: IdParams,
        query: LineageQuery,
        response: z.union([LineagePage, LineageBody]),
        notFound: 'no such experiment (as of `at`)',
      },
      (c, { params, query }) => {
        if (query.view === 'full') {
          if (query.page_token) throw new ValidationError('view=full answers the whole lineage in one body: drop page_token', 'page_token');
          const snapshot = reader.asOf(query.at);
          const etag = `W/"${LineageBodies.key(params.id, snapshot)}"`;
          if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag });
          const body = lineageBodies.body(snapshot, findExperiment(snapshot, params.id, query.at));
          return c.body(body, 200, { 'content-type': 'application/json; charset=UTF-8', etag });
        }
        const list = `lineage:${params.id}`;
        let live = query.page_token ? null : reader.current();
        const cursor = live ? { list, at: Math.min(query.at ?? live.position, live.position), offset: 0 } : decodePageToken(query.page_token as string, list);
        // The lineage as of a position never changes (the log only grows), so neither does a page of it: a kept
        // page is answered as it is, and a page by token without even reading the log's head.
        const key = `${params.id}/${cursor.at}/${cursor.offset}/${query.limit}`;
        let page = pages.get(key);
        if (page === undefined) {
          live ??= reader.current();
          const snapshot = pinned(reader, live, cursor.at);
          const experiment = findExperiment(snapshot, params.id, cursor.at < live.position ? cursor.at : undefined);
          const { page: nodeIds, nextPageToken } = pageOf(experiment.nodeIds, cursor, query.limit);
          const nodes = nodeIds.map((id) => compactNode(experiment, snapshot.state.nodes[id]));
          page = {
            etag: `W/"${LineageBodies.key(params.id, snapshot)}/${cursor.offset}/${query.limit}"`,
            // Encoded once: sent as its bytes, with no UTF-8 encoding per request.
            body: Buffer.from(JSON.stringify({ position: cursor.at, experiment: experimentListItem(experiment), nodes, next_page_token: nextPageToken })),
          };
          pages.set(key, page);
          if (pages.size > PAGES_KEPT) pages.delete(pages.keys().next().value as string);
        }
        if (c.req.header('if-none-match') === page.etag) return c.body(null, 304, { etag: page.etag });
        return c.body(page.body, 200, { 'content-type': 'application/json', etag: page.etag });
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
