// What the sandbox costs: a fresh child per run (startup + scaffold import) against the per-example overhead
// once a child is warm. Prints ratios measured in this one run. `node bin/run-ts.js bench/sandbox-startup.ts`
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';

const sandbox = createChildProcessSandbox();
const scaffold = { entry: 'solve.mjs', files: { 'solve.mjs': 'export async function solve(example) { return example.input * 2; }' } };
const limits = { timeMsPerExample: 5000, memoryMb: 128, maxOutputBytes: 1 << 20 };
const run = (count: number) =>
  sandbox.run({
    runId: 'bench',
    scaffold,
    examples: Array.from({ length: count }, (_, index) => ({ id: `e${index}`, input: index })),
    gatewayUrl: 'http://127.0.0.1:9/v1',
    limits,
    seed: 0,
  });

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

await run(1); // warm the file cache and the tsx transform
const singleRuns = 5;
let singleTotal = 0;
for (let i = 0; i < singleRuns; i++) singleTotal += await timed(() => run(1));
const perRun = singleTotal / singleRuns;
const examples = 500;
const manyMs = await timed(() => run(examples));
const perExample = (manyMs - perRun) / (examples - 1);

console.log(`run with 1 example (spawn + import + solve): ${perRun.toFixed(1)} ms`);
console.log(`run with ${examples} examples: ${manyMs.toFixed(1)} ms → ${perExample.toFixed(3)} ms per extra example`);
console.log(`startup / per-example overhead ratio: ${(perRun / perExample).toFixed(0)}x`);
console.log(`a timeout or crash (fresh child) costs about ${(perRun / perExample).toFixed(0)} warm examples`);
