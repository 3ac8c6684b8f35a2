/**
 * The loop's own overhead per scaffold call on the full sandbox chat path: a scaffold in the real sandbox calls
 * ctx.llm.chat with LawBench-sized requests (case facts × the 202 charges, as the reference scaffold sends them);
 * the parent answers either through the recording gateway (what the loop does) or straight from the same tiny
 * policy with nothing recorded. Examples of the two paths alternate in one sandbox run, so load and caches touch
 * both alike; each call is timed inside the child. Prints mean and median ms per call and their ratios (goal
 * < 1.2× by mean, which the batched appends of recorded steps weigh on, not only by median).
 *   node bin/run-ts.js bench/loop-overhead.ts [CALLS_PER_PATH]
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { createLoopGateway } from '../gateway/loop-gateway.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import type { DirectGatewayCall } from '../plugins/sandbox/gateway-client.ts';
import { chargeClasses, loadLawbenchExamples } from '../plugins/tasks/lawbench/data.ts';

// Many calls: on a shared machine the mean is moved by a few preempted calls, which must average out.
const CALLS = Number(process.argv[2] ?? 1500);
// Two calls per example: the paths alternate every few milliseconds, so preemption on a busy machine hits both.
const CALLS_PER_EXAMPLE = 2;
const lawbench = loadLawbenchExamples();
const charges = chargeClasses(lawbench);

const policy = createTinyPolicy();
const store = openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'sia-overhead-')), 'sia.db'));
/** Where the recorded path's extra time goes: the store writes it makes (timed around the store's own calls). */
const writes = { append: { ms: 0, calls: 0 }, putBlob: { ms: 0, calls: 0 } };
for (const name of ['append', 'putBlob'] as const) {
  const original = store[name] as (...args: unknown[]) => unknown;
  (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    const started = performance.now();
    try {
      return original(...args);
    } finally {
      writes[name].ms += performance.now() - started;
      writes[name].calls += 1;
    }
  };
}
const gateway = createLoopGateway(store, () => policy);

/** The same policy answer in the shape the sandbox's parent reads, with nothing recorded. */
const unrecorded: DirectGatewayCall = async (_runId, _exampleId, body) => {
  const request = body as { messages: Array<{ role: 'user'; content: string }>; guided_choice: string[] };
  const answer = await policy.chat({ model: 'policy', messages: request.messages, guidedChoice: request.guided_choice, temperature: 0 });
  return {
    status: 200,
    body: { choices: [{ message: { role: 'assistant', content: answer.content }, logprobs: { content: answer.logprobs.map((logprob) => ({ logprob })) } }] },
  };
};
const sandbox = createChildProcessSandbox({
  gatewayCall: (runId, exampleId, body) => (exampleId?.startsWith('recorded') ? gateway.complete(runId, exampleId, body) : unrecorded(runId, exampleId, body)),
});

const scaffold = {
  entry: 'solve.mjs',
  files: {
    'solve.mjs': `export async function solve(example, ctx) {
  const times = [];
  for (const facts of example.input.facts) {
    const started = performance.now();
    await ctx.llm.chat({ messages: [{ role: 'user', content: 'Case facts: ' + facts + '\\nWhich charge?' }], guidedChoice: example.input.charges });
    times.push(performance.now() - started);
  }
  return times;
}`,
  },
};

const perPath = Math.ceil(CALLS / CALLS_PER_EXAMPLE);
const examples = Array.from({ length: perPath * 2 }, (_, i) => {
  const k = Math.floor(i / 2);
  const facts = Array.from({ length: CALLS_PER_EXAMPLE }, (_, j) => lawbench[(k * CALLS_PER_EXAMPLE + j) % lawbench.length]!.input.facts);
  // Which path goes first alternates: the first call of a prompt pays for the policy's caches.
  const path = (i + k) % 2 === 0 ? 'recorded' : 'unrecorded';
  return { id: `${path}-${k}`, input: { facts, charges } };
});
const limits = { timeMsPerExample: 60_000, memoryMb: 512, maxOutputBytes: 1 << 20 };
const run = async (runId: string) => {
  gateway.runs.open(runId);
  const results = await sandbox.run({ runId, scaffold, examples, gatewayUrl: gateway.url, limits, seed: 0 });
  gateway.runs.close(runId);
  return results;
};

await run('warm-up'); // every prompt once on both paths: feature caches and JIT warm for both
for (const write of Object.values(writes)) Object.assign(write, { ms: 0, calls: 0 });
const results = await run('bench');
const times: Record<'recorded' | 'unrecorded', number[]> = { recorded: [], unrecorded: [] };
for (const result of results) {
  if (result.error) throw new Error(`${result.exampleId}: ${result.error.kind}: ${result.error.message}`);
  times[result.exampleId.startsWith('recorded') ? 'recorded' : 'unrecorded'].push(...(result.output as number[]));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)]!;
for (const [name, values] of Object.entries(times)) {
  console.log(
    `${name.padEnd(11)} ${values.length} calls: mean ${mean(values).toFixed(3)} ms, median ${median(values).toFixed(3)} ms, p99 ${p99(values).toFixed(3)} ms`,
  );
}
const steps = store.read({ streamId: 'run-bench', types: ['run.step_recorded'] }).length;
console.log(`recorded ${steps} llm_call events; chain ${store.verify().ok ? 'intact' : 'BROKEN'}; load average ${loadavg()[0]!.toFixed(1)}`);
const excessUs = (mean(times.recorded) - mean(times.unrecorded)) * 1000;
const perCallUs = (write: { ms: number }) => ((write.ms * 1000) / times.recorded.length).toFixed(0);
console.log(
  `mean excess ${excessUs.toFixed(0)} µs per recorded call; store writes in it: appends ${perCallUs(writes.append)} µs per call ` +
    `(${writes.append.calls} batches, ${(writes.append.ms / Math.max(1, writes.append.calls)).toFixed(2)} ms each, the last at run close), ` +
    `blobs ${perCallUs(writes.putBlob)} µs per call (${writes.putBlob.calls} new)`,
);
const ratio = (statistic: (values: number[]) => number) => (statistic(times.recorded) / statistic(times.unrecorded)).toFixed(3);
console.log(`ratio ${ratio(mean)} (goal < 1.2) — sandbox chat through the recording gateway / unrecorded, by mean`);
console.log(`ratio ${ratio(median)} (goal < 1.2) — the same, by median`);
store.close();
