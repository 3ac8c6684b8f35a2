import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import type { EventType } from '../../core/events/index.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { EventsPage, EventsQuery, StoredEventSchema, StreamQuery } from '../schemas.ts';
import { appendSignal } from './append-signal.ts';

export interface StreamTiming {
  /** How often the stream looks for new events (another process may be appending). */
  pollMs: number;
  /** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
  heartbeatMs: number;
}

const STREAM_BATCH = 500;

export function eventRoutes(store: EventStore, timing: StreamTiming): ApiRoute[] {
  return [
    apiRoute(
      {
        path: '/api/events',
        summary: 'The log, oldest first, a page at a time (cursor: `after` = the previous page’s `next`)',
        query: EventsQuery,
        response: EventsPage,
      },
      (c, { query }) => {
        const head = store.head();
        const events = store.read({
          after: query.after,
          upTo: head,
          limit: query.limit + 1,
          streamId: query.stream,
          types: query.types as EventType[] | undefined,
        });
        const page = events.slice(0, query.limit);
        return c.json({ events: page, next: page.length ? page[page.length - 1].position : query.after, hasMore: events.length > query.limit, head });
      },
    ),

    apiRoute(
      {
        path: '/api/events/stream',
        summary: 'Server-sent events: each new event as `data` with `id: <position>`; resumes after Last-Event-ID (or `after`), else from the head',
        query: StreamQuery,
        response: StoredEventSchema,
        contentType: 'text/event-stream',
        headers: [{ name: 'Last-Event-ID', description: 'resume after this position (browsers send it when they reconnect); wins over `after`' }],
      },
      (c, { query }) => {
        const start = lastEventId(c) ?? query.after ?? store.head();
        return streamSSE(c, (stream) => pump(stream, c, store, { start, types: query.types as EventType[] | undefined, ...timing }));
      },
    ),
  ];
}

function lastEventId(c: Context): number | undefined {
  const header = c.req.header('last-event-id');
  if (header === undefined || header === '') return undefined;
  const parsed = z.coerce.number().int().nonnegative().safeParse(header);
  if (!parsed.success) throw new ValidationError('expected the non-negative integer position of the last event received', 'Last-Event-ID');
  return parsed.data;
}

async function pump(stream: SSEStreamingApi, c: Context, store: EventStore, options: StreamTiming & { start: number; types?: EventType[] }): Promise<void> {
  let open = true;
  stream.onAbort(() => {
    open = false;
  });
  c.req.raw.signal.addEventListener('abort', () => {
    open = false;
  });
  const appended = appendSignal(store, options.pollMs);
  stream.onAbort(appended.close);
  let cursor = options.start;
  // The first bytes flush the response headers at once, so a client knows it is connected before any event.
  await stream.write(`retry: 1000\n: connected after ${cursor}\n\n`);
  let lastWrite = Date.now();
  while (open) {
    const head = store.head();
    const events = store.read({ after: cursor, upTo: head, limit: STREAM_BATCH, types: options.types });
    for (const event of events) {
      if (!open) return;
      await stream.writeSSE({ id: String(event.position), data: JSON.stringify(event) });
      cursor = event.position;
      lastWrite = Date.now();
    }
    if (events.length === STREAM_BATCH) continue;
    // Everything up to the head has been looked at; filtered-out events need not be scanned again.
    cursor = Math.max(cursor, head);
    if (Date.now() - lastWrite >= options.heartbeatMs) {
      await stream.write(': heartbeat\n\n');
      lastWrite = Date.now();
    }
    await appended.next(options.heartbeatMs);
  }
  appended.close();
}
