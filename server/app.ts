import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { isSiaError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { auditStatusRoutes } from './api/audit-status.ts';
import { eventRoutes, type StreamTiming } from './api/events.ts';
import { experimentRoutes } from './api/experiments.ts';
import { nodeRoutes } from './api/nodes.ts';
import { runItemRoutes } from './api/run-items.ts';
import { taskMetricRoutes } from './api/task-metric.ts';
import { requireLoopbackHostHeader, requireToken } from './auth.ts';
import { openApiDocument } from './openapi.ts';
import { LineageReader, readOnlyView } from './read-model.ts';
import { DEFAULT_MAX_BODY_BYTES, limitBody, requireJsonBody, requireSameOrigin } from './request-guards.ts';
import { honoPath } from './route-spec.ts';
import { mountUi } from './ui-assets.ts';

export interface AppOptions {
  store: EventStore;
  /** When set, every route (the gateway's included) needs `Authorization: Bearer <token>`. */
  token?: string | null;
  /** An OpenAI-compatible gateway sub-app, mounted at /v1; the only part that may write (it records calls). */
  gateway?: Hono;
  stream?: Partial<StreamTiming>;
  /** Cap on any request body (default 4 MiB); over it the answer is a 413. */
  maxBodyBytes?: number;
}

const READ_ONLY_PATHS = ['/api/*', '/', '/ui/*'];

/** The `sia serve` app: lineage API, SSE, OpenAPI document and web UI, with the gateway mounted when given. */
export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (isSiaError(error)) return c.json(error.toJSON(), error.status as 400);
    console.error('sia serve: unexpected error:', error);
    return c.json({ error: 'InternalError', message: 'unexpected server error (see the server log)', fault: 'system' }, 500);
  });
  app.notFound((c) =>
    c.json({ error: 'NotFoundError', message: `no route ${c.req.method} ${c.req.path}`, fault: 'user', hint: 'GET /api/openapi.json lists the routes' }, 404),
  );

  app.use('*', requireSameOrigin());
  app.use('*', options.token ? requireToken(options.token) : requireLoopbackHostHeader());
  app.use('*', limitBody(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  app.use('*', requireJsonBody());

  // The API only reads: anything but GET (and HEAD, which Hono answers from GET) is refused up front.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], READ_ONLY_PATHS, (c) => {
    c.header('Allow', 'GET, HEAD');
    return c.json({ error: 'MethodNotAllowed', message: `${c.req.method} ${c.req.path}: the lineage API is read-only`, fault: 'user' }, 405);
  });

  // Lineage pages and lists are JSON that gzips ~10×; the event log (often re-read in full) and the SSE stream are sent as is.
  app.use('/api/experiments', compress());
  app.use('/api/experiments/*', compress());

  const reader = new LineageReader(readOnlyView(options.store));
  const routes = [
    ...experimentRoutes(reader),
    ...nodeRoutes(reader),
    ...taskMetricRoutes(reader),
    ...runItemRoutes(reader),
    ...auditStatusRoutes(reader),
    ...eventRoutes(reader.store, { pollMs: options.stream?.pollMs ?? 250, heartbeatMs: options.stream?.heartbeatMs ?? 15_000 }),
  ];
  for (const route of routes) app.get(honoPath(route.spec.path), (c) => route.handle(c));

  const document = openApiDocument(
    routes.map((route) => route.spec),
    {
      '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } } },
      '/': { get: { summary: 'The web UI', responses: { 200: { description: 'HTML', content: { 'text/html': {} } } } } },
    },
  );
  app.get('/api/openapi.json', (c) => c.json(document));
  mountUi(app);

  if (options.gateway) app.route('/v1', options.gateway);
  return app;
}
