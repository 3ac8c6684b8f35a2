/**
 * Requests/s and p99 latency of GET /api/experiments/:id/lineage on a log of 10k lineage nodes, against a
 * bare Hono JSON route served by the same process, in one run (and against a bare route sending a constant body
 * of the lineage's size, which isolates what the endpoint adds to moving the bytes); plus a time-travel query,
 * and the lineage while runs keep finishing (the lineage changes, so it is folded and re-serialised). The servers run in a child process so the
 * load generator does not share their event loop.  node bin/run-ts.js bench/server.ts [NODES] [SECONDS]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { openSqliteEventStore } from '../core/store/index.ts';
import { startServer } from '../server/serve.ts';
import { runFinished, runStarted } from '../tests/support/events.ts';
import { writeLineageFixture } from '../tests/support/lineage-fixture.ts';
import { type LoadResult, load } from './http-load.ts';

async function serveTargets(file: string): Promise<void> {
  const store = openSqliteEventStore(file);
  const lineage = await startServer(store, { port: 0 });
  // Baselines: a tiny JSON answer, and a constant JSON body as large as the lineage's (the cost of moving it).
  const started = performance.now();
  const [experiment] = (await (await lineage.app.request('/api/experiments')).json()).experiments;
  const lineageSized = Buffer.from(await (await lineage.app.request(`/api/experiments/${experiment.id}/lineage?view=full`)).arrayBuffer());
  const coldMs = performance.now() - started;
  const bare = new Hono()
    .get('/bare', (c) => c.json({ ok: true, message: 'hello' }))
    .get('/bare-large', (c) => c.body(lineageSized, 200, { 'content-type': 'application/json' }));
  const bareServer = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => bareServer.once('listening', resolve));
  process.stdout.write(
    `${JSON.stringify({ lineage: lineage.url, bare: `http://127.0.0.1:${(bareServer.address() as { port: number }).port}`, coldMs, bytes: lineageSized.length })}\n`,
  );
}

async function main(nodes: number, seconds: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'sia-bench-server-'));
  const file = join(directory, 'sia.db');
  const store = openSqliteEventStore(file);
  const started = performance.now();
  const fixture = writeLineageFixture(store, { iterations: nodes - 1, examplesPerRun: 0, audit: false });
  console.log(`log: ${fixture.nodeIds.length} nodes, ${store.head()} events, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/server.ts', '--serve', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = await new Promise<{ lineage: string; bare: string; coldMs: number; bytes: number }>((resolve) =>
    child.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)))),
  );
  // The whole lineage in one body (view=full): what this bench has always measured; bench/lineage-api.ts measures pages.
  const lineagePath = `${urls.lineage}/api/experiments/${fixture.experimentId}/lineage?view=full`;
  console.log(`first lineage request (projection from the log, in process): ${urls.coldMs.toFixed(0)} ms, body ${(urls.bytes / 1e6).toFixed(2)} MB`);
  try {
    const bare = await load(`${urls.bare}/bare`, seconds);
    const bareLarge = await load(`${urls.bare}/bare-large`, seconds);
    const lineage = await load(lineagePath, seconds);
    const travel = await load(`${lineagePath}&at=${Math.floor(store.head() / 2)}`, seconds);
    // A run in progress: eval runs keep finishing, so the lineage changes and is folded and re-serialised.
    let runs = 0;
    const writer = setInterval(() => {
      const runId = `bench-run-${runs++}`;
      const nodeId = fixture.nodeIds[runs % fixture.nodeIds.length];
      store.append(`run-${runId}`, [
        runStarted(fixture.experimentId, runId, nodeId, 'dev'),
        runFinished(fixture.experimentId, runId, nodeId, 'dev', Math.random()),
      ]);
    }, 50);
    const growing = await load(lineagePath, seconds);
    clearInterval(writer);

    report('bare Hono JSON route', bare);
    report('bare Hono route, lineage-sized constant body', bareLarge, bare);
    report(`lineage, ${fixture.nodeIds.length} nodes (log idle)`, lineage, bare, bareLarge);
    report('lineage ?at= (time travel)', travel, bare, bareLarge);
    report(`lineage while runs finish (${runs} runs)`, growing, bare, bareLarge);
  } finally {
    child.kill();
    store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function report(label: string, result: LoadResult, bare?: LoadResult, sameSize?: LoadResult): void {
  const ratio = `${bare ? `  ratio ${(result.perSecond / bare.perSecond).toFixed(4)} of bare` : ''}${sameSize ? `, ${(result.perSecond / sameSize.perSecond).toFixed(2)} of same-size` : ''}`;
  console.log(
    `${label.padEnd(46)} ${result.perSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50.toFixed(1).padStart(7)} ms  p99 ${result.p99.toFixed(1).padStart(7)} ms  body ${(result.bytes / 1024).toFixed(0)} KiB${ratio}`,
  );
}

// Last, so every module-level constant above is initialised before either role runs.
if (process.argv[2] === '--serve') await serveTargets(process.argv[3]);
else await main(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 4));
