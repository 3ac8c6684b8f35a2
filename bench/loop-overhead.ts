/**
 * The loop's own overhead per scaffold call: the same policy requests (LawBench facts × the 202 charges, as the
 * reference scaffold sends them) made directly on the tiny policy, and through the recording gateway over
 * loopback HTTP with one event appended per call, in one run. Prints calls/s for both and the ratio (goal < 1.2×).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { startGateway } from '../loop/gateway-server.ts';
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
const gateway = await startGateway(store, () => policy);
gateway.runs.open('bench');

// Every prompt once first, so the tiny policy's feature caches are equally warm for all three timings.
for (const request of requests) await policy.chat({ model: 'policy', ...request, temperature: 0 });

async function timed(label: string, call: (index: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await call(i); // warm-up: JIT, sockets
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await call(i);
  const perCallMs = (performance.now() - start) / CALLS;
  console.log(`${label.padEnd(40)} ${perCallMs.toFixed(3)} ms/call`);
  return perCallMs;
}

const direct = await timed('direct tiny policy call', (i) => policy.chat({ model: 'policy', ...requests[i], temperature: 0 }));
const gatewayCall = (send: typeof fetch) => (i: number) =>
  send(`${gateway.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sia-run-id': 'bench', 'x-sia-example-id': `e${i}` },
    body: JSON.stringify({ model: 'policy', messages: requests[i].messages, guided_choice: requests[i].guidedChoice, temperature: 0 }),
  }).then((response) => response.json());
// The loop's path: the sandbox parent calls the gateway app in process. Loopback HTTP is what outside clients use.
const viaGateway = await timed('gateway in process + recording', gatewayCall(gateway.fetch));
const viaHttp = await timed('gateway over loopback HTTP + recording', gatewayCall(fetch));
gateway.runs.close('bench');
console.log(`recorded ${store.read({ streamId: 'run-bench' }).length} llm_call events; chain ${store.verify().ok ? 'intact' : 'BROKEN'}`);
console.log(`overhead ratio (loop gateway / direct): ${(viaGateway / direct).toFixed(3)}x (goal < 1.2x); absolute overhead ${(viaGateway - direct).toFixed(3)} ms/call`);
console.log(`over loopback HTTP: ${(viaHttp / direct).toFixed(3)}x; absolute overhead ${(viaHttp - direct).toFixed(3)} ms/call`);
await gateway.close();
store.close();
