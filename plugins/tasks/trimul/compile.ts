/**
 * Compiles CUDA source with `nvcc -arch=sm_90a -c -Xptxas -v` in a temp dir and parses ptxas's per-kernel report
 * (registers, spill stores/loads, stack, shared memory). Results are cached by source hash within the process: the
 * same kernel is scored on all 25 shapes and again by the acceptance gate, and one compile takes about a second.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../../core/hashing.ts';

export interface KernelResources {
  name: string;
  registers: number;
  spillStores: number;
  spillLoads: number;
  stackBytes: number;
  sharedBytes: number;
}

export interface CompileResult {
  ok: boolean;
  /** Compiler diagnostics (the tail) when ok is false. */
  error?: string;
  kernels: KernelResources[];
  wallMs: number;
}

export const NVCC_DEFAULT = '/usr/local/bin/nvcc';

export function nvccPath(): string | null {
  const path = process.env.SIA_NVCC ?? NVCC_DEFAULT;
  return existsSync(path) ? path : null;
}

/** ptxas -v prints, per entry function: "Compiling entry function 'NAME'", "N bytes stack frame, N bytes spill
 * stores, N bytes spill loads", "Used N registers, … N bytes smem". */
export function parsePtxasReport(text: string): KernelResources[] {
  const kernels: KernelResources[] = [];
  let current: KernelResources | null = null;
  for (const line of text.split('\n')) {
    const entry = /Compiling entry function '([^']+)'/.exec(line);
    if (entry) {
      current = { name: entry[1], registers: 0, spillStores: 0, spillLoads: 0, stackBytes: 0, sharedBytes: 0 };
      kernels.push(current);
      continue;
    }
    if (!current) continue;
    const frame = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (frame) [current.stackBytes, current.spillStores, current.spillLoads] = frame.slice(1).map(Number);
    const used = /Used (\d+) registers/.exec(line);
    if (used) current.registers = Number(used[1]);
    const shared = /(\d+) bytes smem/.exec(line);
    if (shared) current.sharedBytes = Number(shared[1]);
  }
  return kernels;
}

const cache = new Map<string, Promise<CompileResult>>();

export function compileCuda(source: string, nvcc: string): Promise<CompileResult> {
  const key = sha256Hex(`${nvcc}\n${source}`);
  let result = cache.get(key);
  if (!result) {
    result = runNvcc(source, nvcc);
    cache.set(key, result);
  }
  return result;
}

function runNvcc(source: string, nvcc: string): Promise<CompileResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sia-trimul-'));
  writeFileSync(join(dir, 'kernel.cu'), source);
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      nvcc,
      ['-arch=sm_90a', '-c', '-Xptxas', '-v', '-o', join(dir, 'kernel.o'), join(dir, 'kernel.cu')],
      { timeout: 120_000, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const wallMs = performance.now() - started;
        const text = `${stdout}\n${stderr}`;
        if (error) resolve({ ok: false, error: text.trim().split('\n').slice(-12).join('\n') || error.message, kernels: [], wallMs });
        else resolve({ ok: true, kernels: parsePtxasReport(text), wallMs });
      },
    );
  });
}
