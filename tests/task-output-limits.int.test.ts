import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { SandboxLimits } from '../core/ports/sandbox.ts';
import type { ScaffoldFiles } from '../core/ports/task.ts';
import { DEFAULT_MAX_OUTPUT_JSON_BYTES, MAX_OUTPUT_JSON_BYTES_CEILING, taskOutputLimit } from '../core/sandbox-limits.ts';
import { DEFAULT_OPTIONS, type SessionSettings } from '../loop/session.ts';
import { limitsFor, readSettings, recordSettings } from '../loop/settings.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';

const MiB = 1024 * 1024;
const base: SandboxLimits = { timeMsPerExample: 5000, memoryMb: 128, maxOutputBytes: 64 * 1024 };
/** Returns a string of example.input.bytes characters: its JSON is two bytes longer. */
const scaffold: ScaffoldFiles = {
  entry: 'solve.mjs',
  files: { 'solve.mjs': 'export async function solve(example) { return "x".repeat(example.input.bytes); }\n' },
};
const gateway = createOpenAIChatServer({ baseModel: 'policy' });
let server: LocalServer;
const sandbox = createChildProcessSandbox();

beforeAll(async () => {
  server = await startLocalServer(gateway.app);
});
afterAll(async () => {
  await server.close();
});

async function solveOf(bytes: number, maxOutputJsonBytes?: number) {
  const limits = maxOutputJsonBytes === undefined ? base : { ...base, maxOutputJsonBytes };
  const [result] = await sandbox.run({ runId: 'r', scaffold, examples: [{ id: 'e', input: { bytes } }], gatewayUrl: `${server.url}/v1`, limits, seed: 0 });
  return result!;
}

describe("a task's declared output limit", () => {
  it('an invalid declaration is a one-line error naming the task and the field', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, MAX_OUTPUT_JSON_BYTES_CEILING + 1]) {
      const attempt = () => taskOutputLimit({ id: 'bigtask', limits: { maxOutputJsonBytes: bad } });
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(/^task bigtask: limits\.maxOutputJsonBytes: [^\n]+$/);
    }
    expect(() => limitsFor(base, { id: 'bigtask', limits: { maxOutputJsonBytes: 0 } })).toThrow(/task bigtask: limits\.maxOutputJsonBytes/);
    expect(taskOutputLimit({ id: 't', limits: { maxOutputJsonBytes: MAX_OUTPUT_JSON_BYTES_CEILING } })).toBe(32 * MiB);
  });

  it('is 1 MiB when the task declares none', () => {
    expect(taskOutputLimit({ id: 't' })).toBe(MiB);
    expect(limitsFor(base, { id: 't' }).maxOutputJsonBytes).toBe(MiB);
    expect(limitsFor(base, { id: 't', limits: { maxOutputJsonBytes: 8 * MiB } }).maxOutputJsonBytes).toBe(8 * MiB);
  });

  it('an output over the limit is an `output` error naming the limit; under it passes', async () => {
    const over = await solveOf(Math.round(2.3 * MiB), 2 * MiB);
    expect(over.output).toBeNull();
    expect(over.error).toEqual({ kind: 'output', message: "output 2.3 MiB exceeds the task's limit of 2 MiB" });
    const under = await solveOf(Math.round(1.5 * MiB), 2 * MiB);
    expect(under.error).toBeNull();
    expect((under.output as string).length).toBe(Math.round(1.5 * MiB));
  });

  it('without a limit in the run input the sandbox holds outputs to 1 MiB', async () => {
    const over = await solveOf(DEFAULT_MAX_OUTPUT_JSON_BYTES);
    expect(over.error).toEqual({ kind: 'output', message: "output 1 MiB exceeds the task's limit of 1 MiB" });
    expect((await solveOf(DEFAULT_MAX_OUTPUT_JSON_BYTES - 2)).error).toBeNull();
  });

  it('a run input limit above the ceiling is refused', async () => {
    await expect(solveOf(10, MAX_OUTPUT_JSON_BYTES_CEILING + 1)).rejects.toThrow(/limits\.maxOutputJsonBytes/);
  });
});

describe('the output limit in recorded settings', () => {
  const settings: SessionSettings = { task: 'denoising', mode: 'h', seed: 0, agents: 'offline', policy: 'tiny', trainer: 'tiny', options: DEFAULT_OPTIONS };

  it('is recorded and read back', () => {
    const options = { ...DEFAULT_OPTIONS, limits: limitsFor(DEFAULT_OPTIONS.limits, { id: 'd', limits: { maxOutputJsonBytes: 8 * MiB } }) };
    const recorded = recordSettings({ ...settings, options }, {});
    expect(recorded.options.limits.maxOutputJsonBytes).toBe(8 * MiB);
    const { settings: read } = readSettings(JSON.parse(JSON.stringify(recorded)));
    expect(read.options.limits.maxOutputJsonBytes).toBe(8 * MiB);
    // Resume and fork keep the recorded limit even when the task now declares another.
    expect(limitsFor(read.options.limits, { id: 'd', limits: { maxOutputJsonBytes: 16 * MiB } }).maxOutputJsonBytes).toBe(8 * MiB);
  });

  it('settings recorded before the limit existed read as 1 MiB, also for a task that now declares more', () => {
    const recorded = JSON.parse(JSON.stringify(recordSettings(settings, {})));
    delete recorded.options.limits.maxOutputJsonBytes;
    const { settings: read } = readSettings(recorded);
    expect(read.options.limits.maxOutputJsonBytes).toBe(MiB);
    expect(limitsFor(read.options.limits, { id: 'd', limits: { maxOutputJsonBytes: 8 * MiB } }).maxOutputJsonBytes).toBe(MiB);
    const v1 = { ...recorded };
    delete v1.version;
    delete v1.providers;
    expect(readSettings(v1).settings.options.limits.maxOutputJsonBytes).toBe(MiB);
  });
});
