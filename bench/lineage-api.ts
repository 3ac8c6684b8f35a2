/**
 * The lineage of a 10k-node experiment through the API, each against a bare Hono route sending the very same
 * bytes, in one run: a page of 100 compact nodes (first and a later one, by page_token), the old one-body
 * shape (`view=full`, 6 MB), a revalidation answered 304, and `/api/experiments`.
 * node bin/run-ts.js bench/lineage-api.ts [NODES] [SECONDS]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { startServer } from '../server/serve.ts';
import { writeLineageFixture } from '../tests/support/lineage-fixture.ts';
import { alternate, get, load, report, serveBare, serveInChild } from './http-load.ts';

async function serveTargets(file: string, experimentId: string): Promise<void> {
  const api = await startServer(openSqliteEventStore(file), { port: 0 });
  const lineage = `/api/experiments/${experimentId}/lineage`;
  const paths: Record<string, string> = {
    page: lineage,
    // Nodes 1000–1099: the token after a page of 1000, then pages of the default 100.
    later: `${lineage}?page_token=${(await (await api.app.request(`${lineage}?limit=1000`)).json()).next_page_token}`,
    full: `${lineage}?view=full`,
    experiments: '/api/experiments',
  };
  const bodies: Record<string, Buffer<ArrayBuffer>> = {};
  for (const [name, path] of Object.entries(paths)) bodies[`/bare-${name}`] = Buffer.from(await (await api.app.request(path)).arrayBuffer());
  process.stdout.write(`${JSON.stringify({ api: api.url, bare: await serveBare(bodies), paths })}\n`);
}

async function main(nodes: number, seconds: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'sia-bench-lineage-api-'));
  const file = join(directory, 'sia.db');
  const store = openSqliteEventStore(file);
  const fixture = writeLineageFixture(store, { iterations: nodes - 1, examplesPerRun: 0, audit: false });
  console.log(`log: ${fixture.nodeIds.length} nodes, ${store.head()} events`);
  store.close();
  const { info, stop } = await serveInChild<{ api: string; bare: string; paths: Record<string, string> }>('bench/lineage-api.ts', [file, fixture.experimentId]);
  try {
    const measure = async (name: string, label: string, goal?: number) => {
      const { bare, api } = await alternate(`${info.bare}/bare-${name}`, `${info.api}${info.paths[name]}`, seconds);
      report(`bare Hono route, same bytes as ${name}`, bare);
      report(label, api, bare, goal);
    };
    await measure('page', `lineage page of 100 nodes (first)`, 0.5);
    await measure('later', `lineage page by page_token (a later one)`, 0.5);
    await measure('full', `lineage, view=full (the old one-body shape)`);
    await measure('experiments', '/api/experiments');
    const lineage = `${info.api}${info.paths.page}`;
    const etag = String((await get(lineage)).headers.etag);
    report('lineage page, If-None-Match → 304', await load(lineage, seconds, { 'if-none-match': etag }, 304));
    report('lineage page, gzip', await load(lineage, seconds, { 'accept-encoding': 'gzip' }));
  } finally {
    stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serveTargets(process.argv[3], process.argv[4]);
else await main(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 3));
