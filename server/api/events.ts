import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import type { EventType } from '../../core/events/index.ts';
import type { EventStore, ReadOptions } from '../../core/ports/event-store.ts';
import { EventPages, type JsonPage } from '../event-pages.ts';
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
  const pages = new EventPages();
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
        const read = { after: query.after, upTo: head, streamId: query.stream, types: query.types as EventType[] | undefined };
        const pageRead = { ...read, limit: query.limit };
        const body = pages.answer(
          pageRead,
          () => storedJsonPage(store, pageRead) ?? decodedJsonPage(store, pageRead),
          (page) => {
            const next = page.count ? page.last : query.after;
            const hasMore = page.count === query.limit && anyAfter(store, { ...read, after: next });
            return Buffer.concat([EVENTS_OPEN, page.json, Buffer.from(`],"next":${next},"hasMore":${hasMore},"head":${head}}`)]);
          },
        );
        return c.body(body, 200, { 'content-type': 'application/json' });
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

const EVENTS_OPEN = Buffer.from('{"events":[');

/** The page as the store keeps it (no parse and re-serialise per event), where the store can and no row needs an upcast. */
const storedJsonPage = (store: EventStore, read: ReadOptions): JsonPage | null => store.readJson?.(read) ?? null;

/** The page decoded event by event (upcasters applied), then serialised. */
function decodedJsonPage(store: EventStore, read: ReadOptions): JsonPage {
  const events = store.read(read);
  return { count: events.length, last: events.at(-1)?.position ?? 0, json: Buffer.from(events.map((event) => JSON.stringify(event)).join(',')) };
}

/** Whether any event matches past the page (the one event looked at is not decoded where the store can help it). */
function anyAfter(store: EventStore, read: ReadOptions): boolean {
  const probe = store.readJson?.({ ...read, limit: 1 });
  return probe ? probe.count > 0 : store.read({ ...read, limit: 1 }).length > 0;
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
