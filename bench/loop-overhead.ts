/**
 * The loop's own overhead per scaffold call: the same policy requests (LawBench facts × the 202 charges, as the
 * reference scaffold sends them) made directly on the tiny policy and through the recording gateway (the
 * in-process completion the sandbox uses, and loopback HTTP), interleaved call by call so load and caches
 * touch all paths alike (the path that meets a prompt first rotates). Prints median and mean ms per call and the ratio (goal < 1.2×).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createGatewayApp } from '../gateway/http.ts';
import { createLoopGateway } from '../gateway/loop-gateway.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { chargeClasses, loadLawbenchExamples } from '../plugins/tasks/lawbench/data.ts';

const CALLS = Number(process.argv[2] ?? 300);
const examples = loadLawbenchExamples();
const charges = chargeClasses(examples);
const requests = Array.from({ length: CALLS }, (_, i) => ({
  messages: [{ role: 'user' as const, content: `Case facts: ${examples[i % examples.length].input.facts}\nWhich charge?` }],
  guidedChoice: charges,
}));

const policy = createTinyPolicy();
const store = openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'sia-overhead-')), 'sia.db'));
const gateway = createLoopGateway(store, () => policy);
gateway.runs.open('bench');
// `sia serve`'s /v1 over the same completion, for what an outside client pays on top.
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const started = serve({ fetch: createGatewayApp({ complete: gateway.complete, adapterId: () => null }).fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
});
const httpUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const body = (i: number) => ({ model: 'policy', messages: requests[i].messages, guided_choice: requests[i].guidedChoice, temperature: 0 });

const paths: Record<string, (i: number) => Promise<unknown>> = {
  direct: (i) => policy.chat({ model: 'policy', ...requests[i], temperature: 0 }),
  'gateway in process': (i) => gateway.complete('bench', `e${i}`, body(i)),
  'gateway over HTTP': (i) =>
    fetch(`${httpUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sia-run-id': 'bench', 'x-sia-example-id': `e${i}` },
      body: JSON.stringify(body(i)),
    }).then((response) => response.json()),
};

// Every prompt once on every path first: feature caches, JIT and sockets warm for all of them.
for (let i = 0; i < CALLS; i++) for (const call of Object.values(paths)) await call(i);
const times: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
const names = Object.keys(paths);
for (let i = 0; i < CALLS; i++) {
  // Rotate which path goes first: the first call of a prompt pays for the policy's caches, later ones do not.
  for (let k = 0; k < names.length; k++) {
    const name = names[(i + k) % names.length];
    const call = paths[name];
    const start = performance.now();
    await call(i);
    times[name].push(performance.now() - start);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
for (const [name, values] of Object.entries(times)) console.log(`${name.padEnd(20)} median ${median(values).toFixed(3)} ms, mean ${mean(values).toFixed(3)} ms`);
gateway.runs.close('bench');
console.log(`recorded ${store.read({ streamId: 'run-bench' }).length} llm_call events; chain ${store.verify().ok ? 'intact' : 'BROKEN'}`);
const ratio = (name: string) => (median(times[name]) / median(times.direct)).toFixed(3);
console.log(`overhead ratio (loop's in-process gateway / direct, medians): ${ratio('gateway in process')}x (goal < 1.2x); +${(median(times['gateway in process']) - median(times.direct)).toFixed(3)} ms/call`);
console.log(`over loopback HTTP: ${ratio('gateway over HTTP')}x; +${(median(times['gateway over HTTP']) - median(times.direct)).toFixed(3)} ms/call`);
server.close();
store.close();
