/**
 * The lineage API's test fixture: a SQLite log with a 7-iteration lineage (tests/support/lineage-fixture.ts), one
 * unaudited experiment, and the app over it, answered through app.request().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { EventStore } from '../../core/ports/event-store.ts';
import { openSqliteEventStore } from '../../core/store/index.ts';
import { createApp } from '../../server/app.ts';
import { experimentCreated } from './events.ts';
import { type LineageFixture, writeLineageFixture } from './lineage-fixture.ts';

export interface ApiFixture {
  store: EventStore;
  fixture: LineageFixture;
  app: Hono;
  /** Status, JSON body and the response itself. */
  get(path: string, init?: RequestInit): Promise<{ status: number; body: Record<string, any>; response: Response }>;
  close(): void;
}

export function openApiFixture(): ApiFixture {
  const directory = mkdtempSync(join(tmpdir(), 'sia-server-api-'));
  const store = openSqliteEventStore(join(directory, 'sia.db'));
  const fixture = writeLineageFixture(store, { iterations: 7, examplesPerRun: 3, adapterDir: join(directory, 'adapters') });
  store.append('experiment-unaudited', [experimentCreated('unaudited')]);
  const app = createApp({ store });
  return {
    store,
    fixture,
    app,
    async get(path, init) {
      const response = await app.request(path, init);
      return { status: response.status, body: (await response.json()) as Record<string, any>, response };
    },
    close() {
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
