import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TaskExample } from '../core/ports/task.ts';
import { createTask } from '../plugins/tasks/trimul-cpu/index.ts';
import { generateInputs } from '../plugins/tasks/trimul-cpu/inputs.ts';
import { referenceAt, referenceTrimul } from '../plugins/tasks/trimul-cpu/reference.ts';
import { runKernel } from '../plugins/tasks/trimul-cpu/run-kernel.ts';
import { checkClose } from '../plugins/tasks/trimul-cpu/verifier.ts';
import { fakeScaffoldContext } from './support/fake-scaffold-context.ts';
import { importScaffoldVariant } from './support/scaffold-variant.ts';

const small = generateInputs({ batch: 2, seqLen: 6, dim: 8, hidden: 4, distribution: 'cauchy', masked: true }, 3);
const limits = { timeMs: 20_000, memoryMb: 256 };

describe('trimul-cpu reference and checks', () => {
  it('sampled reference positions equal the full reference; the tolerance rule matches NaN/inf by position', () => {
    const full = referenceTrimul(small);
    const [first, last] = referenceAt(small, [
      [0, 1, 2],
      [1, 5, 5],
    ]);
    const { N, C } = small.cfg;
    expect(Array.from(first)).toEqual(Array.from(full.subarray(((0 * N + 1) * N + 2) * C, ((0 * N + 1) * N + 3) * C)));
    expect(Array.from(last)).toEqual(Array.from(full.subarray(full.length - C)));
    expect(checkClose(Float32Array.from(full), full)).toBeNull();
    expect(checkClose(Float32Array.of(1.03), [1])).toBeNull();
    expect(checkClose(Float32Array.of(1.05), [1])).toMatch(/position 0/);
    expect(checkClose(Float32Array.of(Number.NaN), [Number.NaN])).toBeNull();
    expect(checkClose(Float32Array.of(0), [Number.NaN])).toMatch(/expected NaN/);
    expect(checkClose(Float32Array.of(-Infinity), [Infinity])).toMatch(/expected Infinity/);
  });

  it('runs the untrusted kernel without file writes, file reads outside its dir, child processes, or unbounded time', async () => {
    const cases = [{ name: 'small', inputs: [small] }];
    const escapes = [
      'import fs from "node:fs"; export function trimul() { fs.writeFileSync("/tmp/sia-trimul-escape", "x"); }',
      'import fs from "node:fs"; export function trimul() { return new Float32Array(fs.readFileSync("/etc/hostname")); }',
      'import cp from "node:child_process"; export function trimul() { cp.execSync("true"); }',
    ];
    for (const source of escapes) {
      const run = await runKernel(source, cases, limits);
      expect(run.ok).toBe(false);
      expect(run.error).toMatch(/restricted/);
    }
    const loop = await runKernel('export function trimul() { for (;;) {} }', cases, { timeMs: 1500, memoryMb: 256 });
    expect(loop.error).toMatch(/timeout/);
  });
});

describe('trimul-cpu task', () => {
  it('the reference scaffold writes a correct kernel with reward > 0; wrong and garbage kernels score 0', async () => {
    const task = await createTask({ runs: 1, train: 1, dev: 1, holdout: 1 });
    const example: TaskExample = task.splits(4).dev[0];
    const solve = await importScaffoldVariant(task.referenceScaffold);
    const { context, requests } = fakeScaffoldContext((request) => request.guidedChoice![0]);
    const kernel = (await solve(task.view(example), context)) as string;
    expect(requests[0].guidedChoice).toEqual(['strided', 'hInner', 'transposed']);
    const verdict = await task.verifier.score(example, kernel);
    expect(verdict.detail?.failed).toBeUndefined();
    expect(verdict.reward).toBeGreaterThan(0);
    expect(verdict.detail).toMatchObject({ correct: true, speedupOverReference: 1 });
    console.log(`trimul-cpu reference kernel: geomean ${(verdict.detail!.geomeanMs as number).toFixed(1)} ms, reward ${verdict.reward.toFixed(3)}`);

    // A plausible bug: the einsum contracts over the wrong index (L[i,k]·R[k,j] instead of R[j,k]).
    const wrong = kernel.replace('right[(rj + k) * H + h]', 'right[(((b * N + k) * N + j)) * H + h]');
    expect(wrong).not.toBe(kernel);
    const wrongVerdict = await task.verifier.score(example, wrong);
    expect(wrongVerdict.reward).toBe(0);
    expect(String(wrongVerdict.detail?.failed)).toMatch(/mismatch/);
    for (const garbage of [null, '', 'export const x = 1; // no kernel', 'export function trimul() { return [1, 2]; }']) {
      expect((await task.verifier.score(example, garbage)).reward).toBe(0);
    }
  }, 120_000);
});

describe('trimul-cpu kernels are measured, never trusted', () => {
  const reference = async () => {
    const task = await createTask({ runs: 2, train: 1, dev: 1, holdout: 1 });
    const example: TaskExample = task.splits(4).dev[0];
    const solve = await importScaffoldVariant(task.referenceScaffold);
    const { context } = fakeScaffoldContext((request) => request.guidedChoice![0]);
    return { task, example, kernel: (await solve(task.view(example), context)) as string };
  };

  it('a kernel that memoises its first answer fails: every call gets fresh inputs and every output is checked', async () => {
    const { task, example, kernel } = await reference();
    const memo = `${kernel.replace('export function trimul', 'function honest')}
const seen = new Map();
export function trimul(x, mask, weights, cfg) {
  const key = JSON.stringify(cfg);
  if (!seen.has(key)) seen.set(key, honest(x, mask, weights, cfg));
  return seen.get(key);
}`;
    const verdict = await task.verifier.score(example, memo);
    expect(verdict.reward).toBe(0);
    expect(String(verdict.detail?.failed)).toMatch(/benchmark .*\(run 1\): mismatch/);
  }, 120_000);

  it('frames the kernel forges on fd 3 (answers ahead of time, garbage) fail that kernel, not this process', async () => {
    const { task, example, kernel } = await reference();
    const send = `import { writeSync } from 'node:fs';
const frame = (header, floats = 0) => { const json = Buffer.from(JSON.stringify(header)); const prefix = Buffer.alloc(8); prefix.writeUInt32LE(json.length, 0); prefix.writeUInt32LE(floats * 4, 4); return Buffer.concat([prefix, json, Buffer.alloc(floats * 4)]); };`;
    const forged = `${send}\n${kernel.replace('export function trimul', 'function honest')}
let calls = 0;
export function trimul(x, mask, weights, cfg) {
  const output = honest(x, mask, weights, cfg);
  if (++calls === 1) for (let i = 0; i < 8; i++) writeSync(3, frame({ op: 'result', timeMs: 0.001 }, output.length));
  return output;
}`;
    const forgedVerdict = await task.verifier.score(example, forged);
    expect(forgedVerdict.reward).toBe(0);
    // Either way the forged answer is caught: as a frame sent before its inputs, or, when the parent is slow enough
    // (a loaded machine) that a forged frame arrives once the call is pending, by the check of every output.
    expect(String(forgedVerdict.detail?.failed)).toMatch(/frame nobody asked for|mismatch at position/);
    const garbage = `import { writeSync } from 'node:fs';\nexport function trimul() { writeSync(3, Buffer.from('\\xff\\xff\\xff\\xff garbage that is no frame')); return new Float32Array(1); }`;
    const garbageVerdict = await task.verifier.score(example, garbage);
    expect(garbageVerdict.reward).toBe(0);
    expect(String(garbageVerdict.detail?.failed)).toMatch(/kernel channel: a frame of \d+ \+ \d+ bytes is over the limits/);
  }, 120_000);

  it('a kernel cannot reach a listener on loopback or signal the process that runs it', async () => {
    const server = createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const source = `import net from 'node:net';
export async function trimul(x) {
  try { process.kill(process.ppid, 'SIGKILL'); } catch {}
  const reached = await new Promise((resolve) => { const socket = net.connect(${port}, '127.0.0.1', () => resolve(true)); socket.on('error', () => resolve(false)); });
  if (reached) throw new Error('reached the host');
  return new Float32Array(x.length);
}`;
    const run = await runKernel(source, [{ name: 'small', inputs: [small] }], limits);
    server.close();
    expect(connections).toBe(0);
    expect(run.error).toBeUndefined();
    expect(run.results[0].outputs[0]).toHaveLength(small.x.length);
  }, 60_000);
});
