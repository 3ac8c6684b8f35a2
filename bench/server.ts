/**
 * Requests/s and p99 latency of GET /api/experiments/:id/lineage on a log of 10k lineage nodes, against a
 * bare Hono JSON route served by the same process, in one run; plus the lineage while a writer appends
 * (every request then sees a new head), and a time-travel query. The servers run in a child process so the
 * load generator does not share their event loop.  node bin/run-ts.js bench/server.ts [NODES] [SECONDS]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { openSqliteEventStore } from '../core/store/index.ts';
import { startServer } from '../server/serve.ts';
import { logEvent } from '../tests/support/events.ts';
import { writeLineageFixture } from '../tests/support/lineage-fixture.ts';

const CONCURRENCY = 8;

if (process.argv[2] === '--serve') await serveTargets(process.argv[3]);
else await main(Number(process.argv[2] ?? 10_000), Number(process.argv[3] ?? 4));

async function serveTargets(file: string): Promise<void> {
  const store = openSqliteEventStore(file);
  const lineage = await startServer(store, { port: 0 });
  const bare = new Hono().get('/bare', (c) => c.json({ ok: true, message: 'hello' }));
  const bareServer = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => bareServer.once('listening', resolve));
  process.stdout.write(`${JSON.stringify({ lineage: lineage.url, bare: `http://127.0.0.1:${(bareServer.address() as { port: number }).port}` })}\n`);
}

async function main(nodes: number, seconds: number): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'sia-bench-server-'));
  const file = join(directory, 'sia.db');
  const store = openSqliteEventStore(file);
  let started = performance.now();
  const fixture = writeLineageFixture(store, { iterations: nodes - 1, examplesPerRun: 0, audit: false });
  console.log(`log: ${fixture.nodeIds.length} nodes, ${store.head()} events, written in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/server.ts', '--serve', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = await new Promise<{ lineage: string; bare: string }>((resolve) => child.stdout.once('data', (chunk) => resolve(JSON.parse(String(chunk)))));
  const lineagePath = `${urls.lineage}/api/experiments/${fixture.experimentId}/lineage`;
  try {
    started = performance.now();
    const first = await get(lineagePath);
    console.log(`first lineage request (projection from the log): ${(performance.now() - started).toFixed(0)} ms, body ${(first.length / 1e6).toFixed(2)} MB`);

    const bare = await load(`${urls.bare}/bare`, seconds);
    const lineage = await load(lineagePath, seconds);
    const travel = await load(`${lineagePath}?at=${Math.floor(store.head() / 2)}`, seconds);
    // A run in progress: the head moves between requests, so each one folds the new events and re-serialises.
    let appended = 0;
    const writer = setInterval(() => store.append('run-bench', [logEvent(`bench-${appended}`, 'bench', appended++)]), 5);
    const growing = await load(lineagePath, seconds);
    clearInterval(writer);

    report('bare Hono JSON route', bare);
    report('lineage, 10k nodes (log idle)', lineage, bare);
    report('lineage ?at= (time travel)', travel, bare);
    report(`lineage while appending (${appended} events)`, growing, bare);
  } finally {
    child.kill();
    store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  bytes: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${url}: HTTP ${response.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

async function load(url: string, seconds: number): Promise<LoadResult> {
  await get(url); // warm
  const latencies: number[] = [];
  let bytes = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        bytes = (await get(url)).length;
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), bytes };
}

function report(label: string, result: LoadResult, baseline?: LoadResult): void {
  const ratio = baseline ? `  ratio ${(result.perSecond / baseline.perSecond).toFixed(4)} of bare` : '';
  console.log(
    `${label.padEnd(42)} ${result.perSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50.toFixed(1).padStart(7)} ms  p99 ${result.p99.toFixed(1).padStart(7)} ms  body ${(result.bytes / 1024).toFixed(0)} KiB${ratio}`,
  );
}
