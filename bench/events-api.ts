/**
 * GET /api/events?limit=1000 against a bare Hono route sending the very same bytes, in one run: what reading the
 * page from SQLite and writing its JSON costs beyond moving the body. Repeated pages are kept by the server (the
 * log is append-only), so the last line asks for a new page every time: the cost of reading one. Each route and its bare twin are measured
 * in alternation, three rounds, medians (bench/http-load.ts `alternate`).  node bin/run-ts.js bench/events-api.ts [ITERATIONS] [SECONDS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { startServer } from '../server/serve.ts';
import { writeLineageFixture } from '../tests/support/lineage-fixture.ts';
import { alternate, report, serveBare, serveInChild } from './http-load.ts';

const PAGES = ['/api/events?limit=1000', '/api/events?limit=100&after=2000', '/api/events?limit=1000&types=run.step_recorded,run.finished'];

async function serveTargets(file: string): Promise<void> {
  const api = await startServer(openSqliteEventStore(file), { port: 0 });
  const bodies: Record<string, Buffer<ArrayBuffer>> = {};
  for (const [i, path] of PAGES.entries()) bodies[`/bare-${i}`] = Buffer.from(await (await api.app.request(path)).arrayBuffer());
  process.stdout.write(`${JSON.stringify({ api: api.url, bare: await serveBare(bodies) })}\n`);
}

async function main(iterations: number, seconds: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'sia-bench-events-'));
  const file = join(directory, 'sia.db');
  const store = openSqliteEventStore(file);
  writeLineageFixture(store, { iterations, examplesPerRun: 4, adapterDir: join(directory, 'adapters') });
  console.log(`log: ${store.head()} events`);
  store.close();
  const { info, stop } = await serveInChild<{ api: string; bare: string }>('bench/events-api.ts', [file]);
  try {
    for (const [i, path] of PAGES.entries()) {
      const { bare, api } = await alternate(`${info.bare}/bare-${i}`, `${info.api}${path}`, seconds);
      report(`bare Hono route, same bytes as ${path}`, bare);
      report(`GET ${path}`, api, bare, i === 0 ? 0.5 : undefined);
    }
    // Every request a page not asked for before: nothing kept, each is read from SQLite.
    let after = 0;
    const cold = await alternate(`${info.bare}/bare-0`, () => `${info.api}/api/events?limit=1000&after=${after++}`, seconds);
    report('GET /api/events?limit=1000, a new page each time', cold.api, cold.bare, 0.5);
  } finally {
    stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serveTargets(process.argv[3]);
else await main(Number(process.argv[2] ?? 200), Number(process.argv[3] ?? 3));
