/**
 * Scores a trimul-cpu kernel (JavaScript module source) for one evaluation seed. The kernel runs in a locked-down
 * child process (run-kernel.ts); this process generates the inputs from the item's secret seed, checks outputs
 * against a float64 reference (|out − ref| ≤ 2e-2 + 2e-2·|ref|, NaN/±inf positions must match; every position of the
 * test shapes, 64 seeded positions of each benchmark shape) and times the benchmark shapes (median of `runs` calls,
 * geometric mean over shapes). reward = scale / geomean_ms, and 0 on any failure. A verdict is cached by
 * (source hash, seed, settings) within the process, since the acceptance gate rescores the same kernels.
 */
import { sha256Hex } from '../../../core/hashing.ts';
import type { TaskExample, Verdict } from '../../../core/ports/task.ts';
import { deriveSeed, mulberry32 } from '../shared/random.ts';
import { generateInputs, type TrimulInputs, type TrimulShape } from './inputs.ts';
import { referenceAt, referenceTrimul } from './reference.ts';
import { runKernel, type KernelCase, type KernelLimits } from './run-kernel.ts';

export interface TrimulCpuInput {
  tests: TrimulShape[];
  benchmarks: TrimulShape[];
}

export interface TrimulCpuLabel {
  /** Secret: the inputs are generated from it, so outputs cannot be hard-coded. */
  seed: number;
}

export interface TrimulCpuSettings extends KernelLimits {
  /** Timed calls per benchmark shape (the median counts); one more untimed warm-up call precedes them. */
  runs: number;
  /** reward = scale / geomean_ms. */
  scale: number;
  /** The reference scaffold's kernel: timed once per process on the same shapes for the speed-up in detail. */
  referenceSource: string;
}

const TOLERANCE = 2e-2;

export function checkClose(output: Float32Array, expected: ArrayLike<number>, offset = 0): string | null {
  for (let index = 0; index < expected.length; index++) {
    const got = output[offset + index];
    const want = expected[index];
    if (Number.isNaN(want) || !Number.isFinite(want)) {
      if (!Object.is(got, want) && !(Number.isNaN(got) && Number.isNaN(want))) return `position ${offset + index}: ${got}, expected ${want}`;
      continue;
    }
    if (!(Math.abs(got - want) <= TOLERANCE + TOLERANCE * Math.abs(want))) return `position ${offset + index}: ${got}, expected ${want}`;
  }
  return null;
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];
const shapeName = (s: TrimulShape) => `B${s.batch} N${s.seqLen} C${s.dim} H${s.hidden} ${s.distribution}${s.masked ? ' masked' : ''}`;
const fail = (reason: string, detail: Record<string, unknown> = {}): Verdict => ({ reward: 0, metric: 0, detail: { failed: reason, ...detail } });

/** 64 positions from 8 rows i × 8 rows j, so the reference projects only 16·N pairs. */
function samplePositions(inputs: TrimulInputs, seed: number): Array<[number, number, number]> {
  const random = mulberry32(seed);
  const { B, N } = inputs.cfg;
  const pickRows = () => Array.from({ length: 8 }, () => Math.floor(random() * N));
  const b = Math.floor(random() * B);
  const [rows, columns] = [pickRows(), pickRows()];
  return rows.flatMap((i) => columns.map((j): [number, number, number] => [b, i, j]));
}

const mismatch = (problem: string | null) => (problem === null ? null : `mismatch at ${problem}`);

function lengthProblem(inputs: TrimulInputs, output: Float32Array): string | null {
  const { B, N, C } = inputs.cfg;
  return output.length === B * N * N * C ? null : `output length ${output.length}, expected ${B * N * N * C}`;
}

function checkSampled(inputs: TrimulInputs, output: Float32Array, seed: number): string | null {
  const { N, C } = inputs.cfg;
  const positions = samplePositions(inputs, seed);
  const expected = referenceAt(inputs, positions);
  for (let index = 0; index < positions.length; index++) {
    const [b, i, j] = positions[index];
    const problem = checkClose(output, expected[index], ((b * N + i) * N + j) * C);
    if (problem) return mismatch(problem);
  }
  return null;
}

const cache = new Map<string, Verdict>();
const referenceGeomeans = new Map<string, number>();

/** Times the reference kernel once per (benchmarks, settings) on this machine; its correctness is the tests' job. */
async function referenceGeomean(benchmarks: TrimulShape[], settings: TrimulCpuSettings): Promise<number | null> {
  const key = sha256Hex(JSON.stringify([benchmarks, settings]));
  if (!referenceGeomeans.has(key)) {
    const cases = benchmarks.map((shape, index) => ({ name: `reference ${index}`, inputs: repetitions(settings.runs + 1, (run) => generateInputs(shape, deriveSeed(index, `reference-${run}`))) }));
    const run = await runKernel(settings.referenceSource, cases, settings);
    if (!run.ok) return null;
    referenceGeomeans.set(key, geomean(run.results.map((result) => median(result.times.slice(1)))));
  }
  return referenceGeomeans.get(key) ?? null;
}

const geomean = (values: number[]) => Math.exp(values.reduce((sum, value) => sum + Math.log(Math.max(value, 1e-3)), 0) / values.length);

export async function scoreTrimulCpu(example: TaskExample, output: unknown, settings: TrimulCpuSettings): Promise<Verdict> {
  if (typeof output !== 'string' || !/\btrimul\b/.test(output)) return fail('output must be JavaScript module source exporting `trimul`');
  const { tests, benchmarks } = example.input as TrimulCpuInput;
  const { seed } = example.label as TrimulCpuLabel;
  const key = sha256Hex(JSON.stringify([output, seed, tests, benchmarks, settings]));
  const cached = cache.get(key);
  if (cached) return cached;
  const verdict = await evaluate(output, tests, benchmarks, seed, settings);
  cache.set(key, verdict);
  return verdict;
}

const repetitions = <T>(count: number, make: (run: number) => T): T[] => Array.from({ length: count }, (_, run) => make(run));

async function evaluate(source: string, tests: TrimulShape[], benchmarks: TrimulShape[], seed: number, settings: TrimulCpuSettings): Promise<Verdict> {
  // Every repetition gets inputs of its own (a fresh seed), so a kernel cannot memoise on identity or content.
  const testInputs = tests.map((shape, index) => generateInputs(shape, deriveSeed(seed, `test-${index}`)));
  const benchInputs = benchmarks.map((shape, index) => repetitions(settings.runs + 1, (run) => generateInputs(shape, deriveSeed(seed, `benchmark-${index}-run-${run}`))));
  const cases: KernelCase[] = [
    ...testInputs.map((inputs, index) => ({ name: `test ${shapeName(tests[index])}`, inputs: [inputs] })),
    ...benchInputs.map((inputs, index) => ({ name: `benchmark ${shapeName(benchmarks[index])}`, inputs })),
  ];
  const run = await runKernel(source, cases, settings);
  if (!run.ok) return fail(`kernel error: ${run.error}`);
  for (const [index, inputs] of testInputs.entries()) {
    const result = run.results[index];
    const problem = lengthProblem(inputs, result.outputs[0]) ?? mismatch(checkClose(result.outputs[0], referenceTrimul(inputs)));
    if (problem) return fail(`${result.name}: ${problem}`);
  }
  const timesMs: Record<string, number> = {};
  for (const [index, runs] of benchInputs.entries()) {
    const result = run.results[tests.length + index];
    // Every repetition's output is checked (sampled positions), the untimed warm-up included.
    for (const [repetition, inputs] of runs.entries()) {
      const output = result.outputs[repetition];
      const problem = lengthProblem(inputs, output) ?? checkSampled(inputs, output, deriveSeed(seed, `sample-${index}-run-${repetition}`));
      if (problem) return fail(`${result.name} (run ${repetition}): ${problem}`);
    }
    timesMs[result.name] = median(result.times.slice(1));
  }
  const geomeanMs = geomean(Object.values(timesMs));
  if (source === settings.referenceSource) referenceGeomeans.set(sha256Hex(JSON.stringify([benchmarks, settings])), geomeanMs);
  const referenceMs = await referenceGeomean(benchmarks, settings);
  const reward = settings.scale / geomeanMs;
  return {
    reward,
    metric: reward,
    detail: {
      correct: true,
      geomeanMs,
      timesMs,
      referenceGeomeanMs: referenceMs,
      speedupOverReference: referenceMs ? referenceMs / geomeanMs : null,
    },
  };
}
