import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSIONS } from '../core/events/index.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { createApp } from '../server/app.ts';
import { experimentCreated } from './support/events.ts';
import { writeLineageFixture } from './support/lineage-fixture.ts';

// A log written before the one-stream layout (v1 experiment.created and run.finished, which need upcasting),
// with today's lineage appended after it: steps, rewards, scaffolds, decisions, training, audit.
let directory: string;
let store: EventStore;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'sia-events-json-'));
  const file = join(directory, 'sia.db');
  copyFileSync('tests/fixtures/legacy-v1.db', file);
  store = openSqliteEventStore(file);
  writeLineageFixture(store, { iterations: 3, examplesPerRun: 2, adapterDir: join(directory, 'adapters') });
});
afterAll(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** What the route answered before it streamed stored JSON: every event parsed, upcast and serialised again. */
function pageTheOldWay(after: number, limit: number, filters: { streamId?: string; types?: string[] } = {}): string {
  const head = store.head();
  const events = store.read({ after, upTo: head, limit: limit + 1, ...filters } as never);
  const page = events.slice(0, limit);
  return JSON.stringify({ events: page, next: page.length ? page[page.length - 1].position : after, hasMore: events.length > limit, head });
}

describe('/api/events sends the stored JSON text', () => {
  it('answers the same bytes as parsing and re-serialising every event, upcast rows included', async () => {
    const app = createApp({ store });
    const stored = store.read();
    const types = new Set(stored.map((event) => event.type));
    expect(types.size).toBeGreaterThanOrEqual(10);
    const upcast = stored.filter((event) => event.schemaVersion < SCHEMA_VERSIONS[event.type]);
    expect(upcast.map((event) => event.type)).toContain('experiment.created');
    // An upcast row gains the fields its old version lacked: proof the slow path ran for it.
    expect(upcast.find((event) => event.type === 'experiment.created')?.data).toMatchObject({ layout: 'legacy', startedAt: null });

    // The legacy rows' page is decoded event by event; the rows after them are passed on as stored.
    const firstCurrent = stored.indexOf(upcast[upcast.length - 1]) + 1;
    expect(store.readJson?.({ after: 0, limit: 1000 })).toBeNull();
    expect(store.readJson?.({ after: stored[firstCurrent].position - 1, limit: stored.length })?.count).toBe(stored.length - firstCurrent);

    for (const [after, limit] of [
      [0, 1000],
      [0, 7],
      [5, 50],
      [store.head() - 3, 100],
      [stored[firstCurrent].position - 1, 20],
      [store.head(), 10],
    ]) {
      const response = await app.request(`/api/events?after=${after}&limit=${limit}`);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.text()).toBe(pageTheOldWay(after, limit));
    }
    // Pages are kept: a full one stays as it was, the tail one picks up what was appended since.
    const fullAfter = store.head() - 2;
    const before = await (await app.request(`/api/events?after=${fullAfter}&limit=2`)).text();
    const tail = await (await app.request(`/api/events?after=${store.head() - 1}&limit=5`)).json();
    store.append('experiment-late', [experimentCreated('late')]);
    expect(await (await app.request(`/api/events?after=${store.head() - 3}&limit=2`)).text()).toBe(pageTheOldWay(store.head() - 3, 2));
    expect(JSON.parse(before).hasMore).toBe(false);
    // The same full page asked again: its events as kept, its head and hasMore as of now.
    const again = await (await app.request(`/api/events?after=${fullAfter}&limit=2`)).text();
    expect(again).toBe(pageTheOldWay(fullAfter, 2));
    expect(JSON.parse(again)).toMatchObject({ hasMore: true, head: store.head() });
    const grown = await (await app.request(`/api/events?after=${tail.events[0].position - 1}&limit=5`)).json();
    expect(grown.events.map((event: { type: string }) => event.type).at(-1)).toBe('experiment.created');
    expect(grown.events).toHaveLength(tail.events.length + 1);
    const filtered = await app.request('/api/events?types=run.finished,experiment.created,scaffold.proposed&limit=1000');
    expect(await filtered.text()).toBe(pageTheOldWay(0, 1000, { types: ['run.finished', 'experiment.created', 'scaffold.proposed'] }));
  });
});
