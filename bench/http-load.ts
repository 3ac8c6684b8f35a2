/** Shared by the HTTP benches: a keep-alive load generator and the bare Hono routes the API is measured against. */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

export const CONCURRENCY = 8;

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  bytes: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks), headers: response.headers }));
    })
      .on('error', reject)
      .end();
  });
}

/** Requests/s with CONCURRENCY clients for `seconds` (`url` may differ per request); any answer but `expect` (200 by default) fails the bench. */
export async function load(url: string | (() => string), seconds: number, headers: Record<string, string> = {}, expect = 200): Promise<LoadResult> {
  const once = async () => {
    const target = typeof url === 'string' ? url : url();
    // A keep-alive socket the server closed just as it was reused: ask again once.
    const answer = await get(target, headers).catch((error) => (error.code === 'ECONNRESET' ? get(target, headers) : Promise.reject(error)));
    if (answer.status !== expect) throw new Error(`${url}: HTTP ${answer.status}, expected ${expect}`);
    return answer.body.length;
  };
  const latencies: number[] = [];
  let bytes = 0;
  const drive = (until: number, record: boolean) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          const sent = performance.now();
          bytes = await once();
          if (record) latencies.push(performance.now() - sent);
        }
      }),
    );
  // Unmeasured first: both the server's route and this client's code get compiled (the first target measured in
  // a run was otherwise up to 3× slower than the same target measured again later).
  await drive(performance.now() + Math.max(500, seconds * 200), false);
  const started = performance.now();
  await drive(started + seconds * 1000, true);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), bytes };
}

/**
 * A route and its bare twin measured in alternation, `rounds` times each: the median round of each (by req/s).
 * Large bodies make single measurements swing 2–5× on a shared machine (collections, socket buffers); alternating
 * lets that touch both sides alike, and the median drops the outliers.
 */
export async function alternate(bare: string, api: string | (() => string), seconds: number, rounds = 3): Promise<{ bare: LoadResult; api: LoadResult }> {
  const results = { bare: [] as LoadResult[], api: [] as LoadResult[] };
  for (let round = 0; round < rounds; round++) {
    results.bare.push(await load(bare, seconds));
    results.api.push(await load(api, seconds));
  }
  const median = (list: LoadResult[]) => [...list].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(list.length / 2)];
  return { bare: median(results.bare), api: median(results.api) };
}

export function report(label: string, result: LoadResult, bare?: LoadResult, goal?: number): void {
  const ratio = bare ? `  ratio ${(result.perSecond / bare.perSecond).toFixed(3)}${goal === undefined ? '' : ` (goal ${goal})`}` : '';
  console.log(
    `${label.padEnd(52)} ${result.perSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50.toFixed(1).padStart(7)} ms  p99 ${result.p99.toFixed(1).padStart(7)} ms  body ${(result.bytes / 1024).toFixed(0).padStart(5)} KiB${ratio}`,
  );
}

/** A bare Hono server answering each path with a constant JSON body (the bytes the API sends, nothing else done). */
export async function serveBare(bodies: Record<string, Buffer<ArrayBuffer>>): Promise<string> {
  const bare = new Hono();
  for (const [path, body] of Object.entries(bodies)) bare.get(path, (c) => c.body(body, 200, { 'content-type': 'application/json' }));
  const server = serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Runs `script --serve ...args` in a child (so the load generator does not share the servers' event loop); resolves its first stdout line as JSON. */
export async function serveInChild<T>(script: string, args: string[]): Promise<{ info: T; stop: () => void }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', script, '--serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<T>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += String(chunk);
      if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
    });
    child.once('exit', (code) => reject(new Error(`${script} --serve exited (${code}) before serving`)));
  });
  return { info, stop: () => child.kill() };
}
