/**
 * Runs an untrusted trimul kernel (JavaScript module source) in a child `node` under the permission model: it may
 * read only its temp dir (kernel + runner), cannot write files, spawn processes or start workers, has a heap cap
 * (--max-old-space-size) and a wall-time limit. A small runner of our own, not plugins/sandbox: that sandbox runs
 * scaffolds against the gateway, while this one must pass typed arrays both ways and time the calls.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TrimulConfig, TrimulWeights } from './inputs.ts';

export interface KernelCase {
  name: string;
  x: Float32Array;
  mask: Float32Array;
  weights: TrimulWeights;
  cfg: TrimulConfig;
  runs: number;
}

export interface KernelCaseResult {
  name: string;
  times: number[];
  output: Float32Array;
}

export interface KernelRun {
  ok: boolean;
  /** What went wrong: a throw inside the kernel, a timeout, the heap limit, or an early exit. */
  error?: string;
  results: KernelCaseResult[];
}

export interface KernelLimits {
  timeMs: number;
  memoryMb: number;
}

const RUNNER = fileURLToPath(new URL('./runner.mjs', import.meta.url));

export async function runKernel(source: string, cases: KernelCase[], limits: KernelLimits): Promise<KernelRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sia-trimul-cpu-'));
  try {
    writeFileSync(join(dir, 'kernel.mjs'), source);
    copyFileSync(RUNNER, join(dir, 'runner.mjs'));
    return await runInChild(dir, cases, limits);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runInChild(dir: string, cases: KernelCase[], limits: KernelLimits): Promise<KernelRun> {
  const child = spawn(
    process.execPath,
    ['--experimental-permission', `--allow-fs-read=${dir}`, `--max-old-space-size=${limits.memoryMb}`, join(dir, 'runner.mjs')],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', env: {} },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (run: KernelRun) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(run);
    };
    const timer = setTimeout(() => finish({ ok: false, error: `timeout: over ${limits.timeMs} ms`, results: [] }), limits.timeMs);
    child.on('message', (message) => finish(message as KernelRun));
    child.on('error', (error) => finish({ ok: false, error: `spawn failed: ${error.message}`, results: [] }));
    child.on('exit', (code, signal) => {
      const why = /heap out of memory|Allocation failed/i.test(stderr) ? `heap limit ${limits.memoryMb} MB exceeded` : lastLines(stderr);
      finish({ ok: false, error: `kernel process exited (code ${code}, signal ${signal}): ${why}`, results: [] });
    });
    child.send({ kernelUrl: pathToFileURL(join(dir, 'kernel.mjs')).href, cases });
  });
}

const lastLines = (text: string) => text.trim().split('\n').filter((line) => !/ExperimentalWarning|--trace-warnings/.test(line)).slice(-5).join(' | ');
