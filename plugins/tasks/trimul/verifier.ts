/**
 * Scores CUDA source for the trimul forward pass. Offline it is a compile gate: `nvcc -arch=sm_90a -c -Xptxas -v`
 * must succeed, the source must define the host entry `extern "C" … trimul_forward`, and every kernel must have no
 * local-memory spills, at most 255 registers a thread and at most 227 KB of shared memory. Passing the gate scores 1,
 * failing it 0; the compile figures go in detail. Correctness and timing (GPU MODE's reward = scale / geomean_µs)
 * need an H100: the verdict's `timing` says so instead of pretending. Self-contained apart from compile.ts; both
 * sources are hashed into every reward event.
 */
import type { TaskExample, Verdict } from '../../../core/ports/task.ts';
import { compileCuda, type CompileResult } from './compile.ts';

export const REGISTER_LIMIT = 255;
export const SHARED_LIMIT_BYTES = 227 * 1024;

export interface TrimulGpuSettings {
  /** Absolute nvcc path, or null when the machine has none (every item then scores 0 and says why). */
  nvcc: string | null;
  /** True when SIA_TRIMUL_GPU is set: a GPU is configured, but runs on it are not implemented in this build. */
  gpuConfigured: boolean;
}

function gateProblems(compiled: CompileResult): string[] {
  const problems: string[] = [];
  for (const kernel of compiled.kernels) {
    if (kernel.spillStores > 0 || kernel.spillLoads > 0) problems.push(`${kernel.name} spills (${kernel.spillStores} B stores, ${kernel.spillLoads} B loads)`);
    if (kernel.registers > REGISTER_LIMIT) problems.push(`${kernel.name} uses ${kernel.registers} registers (limit ${REGISTER_LIMIT})`);
    if (kernel.sharedBytes > SHARED_LIMIT_BYTES) problems.push(`${kernel.name} uses ${kernel.sharedBytes} B shared memory (limit ${SHARED_LIMIT_BYTES})`);
  }
  return problems;
}

const timingNote = (settings: TrimulGpuSettings) =>
  settings.gpuConfigured
    ? 'not measured: SIA_TRIMUL_GPU is set, but GPU correctness and timing runs are not implemented in this build; the reward is the compile gate only'
    : 'needs a GPU: set SIA_TRIMUL_GPU=1 on a machine with an H100 to check correctness and time the kernel; the reward is the compile gate only';

export async function scoreTrimul(example: TaskExample, output: unknown, settings: TrimulGpuSettings): Promise<Verdict> {
  const zero = (reason: string, detail: Record<string, unknown> = {}): Verdict => ({
    reward: 0,
    metric: 0,
    detail: { failed: reason, shape: example.input, timing: timingNote(settings), ...detail },
  });
  if (typeof output !== 'string' || output.trim() === '') return zero('output must be CUDA source text');
  if (!/extern\s+"C"[^;{]*\btrimul_forward\s*\(/.test(output)) return zero('the source must define extern "C" trimul_forward(...)');
  if (!settings.nvcc) return zero('nvcc not found (looked at $SIA_NVCC, then /usr/local/bin/nvcc): cannot compile');
  const compiled = await compileCuda(output, settings.nvcc);
  const compile = { ok: compiled.ok, kernels: compiled.kernels, wallMs: Math.round(compiled.wallMs) };
  if (!compiled.ok) return zero('compile error', { compile: { ...compile, error: compiled.error } });
  const problems = gateProblems(compiled);
  if (problems.length > 0) return zero(`resource gate: ${problems.join('; ')}`, { compile });
  return { reward: 1, metric: 1, detail: { compileGate: 'passed', shape: example.input, compile, timing: timingNote(settings) } };
}
