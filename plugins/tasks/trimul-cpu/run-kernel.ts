/**
 * Runs an untrusted trimul kernel (JavaScript module source, emitted by a scaffold) inside the same OS sandbox as
 * scaffolds (plugins/sandbox/isolation.ts: namespaces, no network, nobody, resource limits) with Node's permission
 * model inside. The parent measures, never trusts: every repetition is one frame of fresh inputs (no object
 * identity or repeated content to memoise on), timed here from sending it to receiving the output, and every
 * output comes back to be checked by the verifier. Anything the kernel sends that is not a well-formed answer to
 * the frame in flight fails the kernel, not this process.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveIsolation, spawnIsolated, type IsolationChoice } from '../../sandbox/isolation.ts';
import { encodeFrame, frameReader, type Frame } from './frames.ts';
import type { TrimulInputs, TrimulWeights } from './inputs.ts';

export interface KernelCase {
  name: string;
  /** One entry per call: each repetition gets inputs of its own. */
  inputs: TrimulInputs[];
}

export interface KernelCaseResult {
  name: string;
  /** Milliseconds per call, measured by the parent around the whole round trip. */
  times: number[];
  outputs: Float32Array[];
}

export interface KernelRun {
  ok: boolean;
  /** What went wrong: a throw inside the kernel, a timeout, the memory limit, a bad frame, or an early exit. */
  error?: string;
  results: KernelCaseResult[];
}

export interface KernelLimits {
  timeMs: number;
  memoryMb: number;
  /** The OS sandbox (default auto: bubblewrap, else unshare). */
  isolation?: IsolationChoice;
}

const RUNNER = fileURLToPath(new URL('./runner.mjs', import.meta.url));
const WEIGHTS: (keyof TrimulWeights)[] = ['normWeight', 'normBias', 'leftProj', 'rightProj', 'leftGate', 'rightGate', 'outGate', 'outNormWeight', 'outNormBias', 'toOut'];

export async function runKernel(source: string, cases: KernelCase[], limits: KernelLimits): Promise<KernelRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sia-trimul-cpu-'));
  try {
    writeFileSync(join(dir, 'kernel.mjs'), source, { mode: 0o644 });
    copyFileSync(RUNNER, join(dir, 'runner.mjs'));
    chmodSync(join(dir, 'runner.mjs'), 0o644);
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'scratch'), { mode: 0o777 });
    return await runInChild(dir, cases, limits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runInChild(dir: string, cases: KernelCase[], limits: KernelLimits): Promise<KernelRun> {
  const largest = Math.max(1, ...cases.flatMap((item) => item.inputs.map((inputs) => inputs.x.length)));
  const child = spawnIsolated(
    resolveIsolation(limits.isolation ?? 'auto'),
    {
      readOnly: [dir],
      scratchDir: join(dir, 'scratch'),
      scratchMb: 16,
      limits: { addressSpaceMb: limits.memoryMb + 2048, dataMb: limits.memoryMb + 256, cpuSeconds: Math.ceil(limits.timeMs / 1000) + 5, processes: 64, openFiles: 64, fileSizeMb: 1 },
    },
    [process.execPath, '--experimental-permission', `--allow-fs-read=${dir}`, `--max-old-space-size=${limits.memoryMb}`, '--no-warnings', join(dir, 'runner.mjs'), pathToFileURL(join(dir, 'kernel.mjs')).href],
    { cwd: join(dir, 'scratch'), stdio: ['pipe', 'ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  child.stdin?.on('error', () => undefined);
  // Output frames are the size of x at most (B·N·N·C floats), plus slack.
  const read = frameReader(largest * 4 + 1024);
  const waiting: Array<(frame: Frame | Error) => void> = [];
  const queued: Array<Frame | Error> = [];
  const deliver = (item: Frame | Error) => (waiting.length ? (waiting.shift() as (frame: Frame | Error) => void)(item) : queued.push(item));
  child.stdio[3]?.on('data', (chunk: Buffer) => {
    try {
      for (const frame of read(chunk)) deliver(frame);
    } catch (error) {
      deliver(error as Error);
    }
  });
  let exited: Error | null = null;
  child.on('close', (code, signal) => {
    const why = /heap out of memory|Allocation failed/i.test(stderr) ? `memory limit ${limits.memoryMb} MB exceeded` : lastLines(stderr);
    exited = new Error(`kernel process exited (code ${code}, signal ${signal})${why ? `: ${why}` : ''}`);
    deliver(exited);
  });
  const next = () => new Promise<Frame | Error>((resolve) => (queued.length ? resolve(queued.shift() as Frame | Error) : exited ? resolve(exited) : waiting.push(resolve)));

  const deadline = Date.now() + limits.timeMs;
  const timeout = new Promise<Error>((resolve) => {
    const timer = setTimeout(() => resolve(new Error(`timeout: over ${limits.timeMs} ms`)), limits.timeMs);
    child.on('close', () => clearTimeout(timer));
  });
  const answer = async (): Promise<Frame> => {
    const item = await Promise.race([next(), timeout]);
    if (item instanceof Error) throw item;
    if (item.header.op === 'error') throw new Error(`kernel error: ${String(item.header.message).slice(0, 2000)}`);
    return item;
  };

  const results: KernelCaseResult[] = [];
  try {
    const ready = await answer();
    if (ready.header.op !== 'ready') throw new Error(`expected the kernel to load, got ${JSON.stringify(ready.header).slice(0, 200)}`);
    for (const item of cases) {
      const result: KernelCaseResult = { name: item.name, times: [], outputs: [] };
      for (const inputs of item.inputs) {
        if (Date.now() > deadline) throw new Error(`timeout: over ${limits.timeMs} ms`);
        const frame = encodeFrame(
          { op: 'run', cfg: inputs.cfg, sizes: { x: inputs.x.length, mask: inputs.mask.length, ...Object.fromEntries(WEIGHTS.map((name) => [name, inputs.weights[name].length])) } },
          [inputs.x, inputs.mask, ...WEIGHTS.map((name) => inputs.weights[name])],
        );
        // A frame sent before its inputs could only be a forged, pre-computed answer (or timing): fail the kernel.
        const early = queued.find((item): item is Frame => !(item instanceof Error));
        if (early) throw new Error(`the kernel sent a frame nobody asked for (${JSON.stringify(early.header).slice(0, 200)})`);
        const started = performance.now();
        child.stdin?.write(frame);
        const reply = await answer();
        result.times.push(performance.now() - started);
        if (reply.header.op !== 'result') throw new Error(`expected a result frame, got ${JSON.stringify(reply.header).slice(0, 200)}`);
        result.outputs.push(reply.payload);
      }
      results.push(result);
    }
    return { ok: true, results };
  } catch (error) {
    return { ok: false, error: (error as Error).message, results };
  } finally {
    child.kill('SIGKILL');
  }
}

const lastLines = (text: string) => text.trim().split('\n').filter((line) => !/ExperimentalWarning|--trace-warnings/.test(line)).slice(-5).join(' | ');
