/**
 * `sia run --mode w+h --policy openai --trainer local|modal` end to end, in process: a full runSession with the
 * offline agents, the openai policy against a local vLLM-like server (guided choice, token ids, runtime LoRA
 * loading), and the gpu/ worker's toy backend training real adapters — as a Python subprocess (local) or through
 * the in-memory Modal fake whose calls run the Modal function's body on a folder standing in for the Volume.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { EventData, StoredEvent } from '../core/events/index.ts';
import { sha256Hex } from '../core/hashing.ts';
import type { Task } from '../core/ports/task.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import type { SiaConfig } from '../loop/config.ts';
import { DEFAULT_OPTIONS, runSession, type SessionSettings } from '../loop/session.ts';
import { buildStack } from '../loop/stack.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { taskTemplateFiles } from '../plugins/tasks/shared/template.ts';
import { FakeModalCloud } from './gpu-fake-modal.ts';
import { sia } from './support/cli.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';

const pythonMissing = spawnSync('python3', ['-c', 'import numpy']).status !== 0;
if (pythonMissing) console.warn('[gpu-loop] SKIPPED: python3 with numpy is not available');

const BASE_MODEL = 'toy/base';
const open: LocalServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** A temp folder with the `sia tasks new` template task (add two numbers) and a place for the log. */
async function tinyTask(): Promise<{ dir: string; task: Task }> {
  const dir = mkdtempSync(join(tmpdir(), 'sia-gpu-loop-'));
  const taskDir = join(dir, 'adder');
  for (const [name, text] of Object.entries(taskTemplateFiles('adder'))) {
    mkdirSync(dirname(join(taskDir, name)), { recursive: true });
    writeFileSync(join(taskDir, name), text);
  }
  return { dir, task: await loadTask(taskDir, { train: 16, dev: 6, holdout: 3 }) };
}

async function fakeVllm(resolveAdapterPath: (path: string) => string) {
  const server = createOpenAIChatServer({ baseModel: BASE_MODEL, vocabSize: 512, resolveAdapterPath, greedyAtZeroTemperature: true });
  const local = await startLocalServer(server.app);
  open.push(local);
  return { server, baseURL: `${local.url}/v1` };
}

function settingsFor(trainer: 'local' | 'modal', task: string): SessionSettings {
  return {
    agents: 'offline',
    policy: 'openai',
    trainer,
    task,
    mode: 'w+h',
    seed: 3,
    options: { ...DEFAULT_OPTIONS, iterations: 2, groupSize: 2, training: { lr: 0.05, epochs: 2, rank: 4 } },
  };
}

function eventsOf(dbFile: string, experimentId: string): StoredEvent[] {
  const store = openSqliteEventStore(dbFile, { readonly: true });
  try {
    return store.read({ streamId: `experiment-${experimentId}` });
  } finally {
    store.close();
  }
}
const dataOf = <T extends StoredEvent['type']>(events: StoredEvent[], type: T) =>
  events.filter((event) => event.type === type).map((event) => event.data as EventData<T>);

/** Every checkpoint pins the bytes of the adapter folder it names, manifest.json included. */
function expectHashesMatchDisk(checkpoint: EventData<'weights.checkpointed'>, folder: string) {
  const onDisk = Object.fromEntries(readdirSync(folder).map((name) => [name, sha256Hex(readFileSync(join(folder, name)))]));
  expect(checkpoint.files).toEqual(onDisk);
}

/** The rows sent to the trainer: prompt tokens (mask 0) then completion tokens (mask 1). */
function expectPromptThenCompletion(batchFile: string) {
  const rows = readFileSync(batchFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { tokens: number[]; mask: number[]; sampler_logprobs: number[] });
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const prompt = row.mask.indexOf(1);
    expect(prompt).toBeGreaterThan(0);
    expect(row.mask.slice(prompt).every((m) => m === 1)).toBe(true);
    expect(row.sampler_logprobs.slice(0, prompt).every((lp) => lp === 0)).toBe(true);
    expect(row.sampler_logprobs[prompt]).toBeLessThan(0);
    expect(row.tokens.length).toBe(row.mask.length);
  }
}

/** weights.served follows the adapters evaluated: a new name per version, and one event back to the parent after rejection. */
function expectServing(events: StoredEvent[], endpoint: string) {
  const served = dataOf(events, 'weights.served');
  const checkpoints = dataOf(events, 'weights.checkpointed');
  expect(served[0]).toMatchObject({ adapterId: null, servedName: BASE_MODEL, endpoint });
  for (const checkpoint of checkpoints)
    expect(served).toContainEqual(expect.objectContaining({ adapterId: checkpoint.adapterId, servedName: checkpoint.adapterId }));
  for (let i = 1; i < served.length; i++) expect(served[i].adapterId).not.toBe(served[i - 1].adapterId);
  // The fake answers the same whatever the adapter, so the gate rejects the update and the parent is served again.
  const [rejected] = dataOf(events, 'weights.rejected');
  expect(rejected, 'the weights node was rejected').toBeDefined();
  const rejectedAt = events.findIndex((event) => event.type === 'weights.rejected');
  const parent = checkpoints.find((checkpoint) => checkpoint.adapterId === rejected.adapterId)!.parentAdapterId;
  const rollback = events.slice(rejectedAt).filter((event) => event.type === 'weights.served');
  expect(rollback.map((event) => event.data)).toEqual([expect.objectContaining({ adapterId: parent, servedName: BASE_MODEL })]);
  // The toy backend writes no parity probe: one serving-parity check per served adapter, recorded as skipped.
  const parity = dataOf(events, 'serving.parity_checked');
  expect(parity.map((check) => check.adapterId).sort()).toEqual(checkpoints.map((checkpoint) => checkpoint.adapterId).sort());
  for (const check of parity) expect(check).toMatchObject({ passed: null, maxAbsDiff: null, skipped: expect.stringContaining('no parity_probe.json') });
  return served;
}

describe.skipIf(pythonMissing)('sia run --mode w+h with the gpu/ worker against fakes', () => {
  it('--trainer local: trains in a Python subprocess, checkpoints file:// adapters, serves each version by name', { timeout: 60_000 }, async () => {
    const { dir, task } = await tinyTask();
    const { server, baseURL } = await fakeVllm((path) => path);
    const dbFile = join(dir, 'sia.db');
    const config: SiaConfig = { openaiPolicy: { model: BASE_MODEL, baseURL }, local: { backend: 'toy' } };
    const store = openSqliteEventStore(dbFile);
    let experimentId: string;
    try {
      experimentId = await runSession({ store, dbFile, settings: settingsFor('local', join(dir, 'adder')), config, task });
    } finally {
      store.close();
    }
    const events = eventsOf(dbFile, experimentId);
    const [submitted] = dataOf(events, 'training.submitted');
    expect(submitted, 'the offline agent chose a weight update').toBeDefined();
    expect(submitted.trainer).toBe('local');
    expect(submitted.handle).toBe(join(dir, '.sia', 'jobs', submitted.jobId));
    expect(submitted.job).toMatchObject({ base_model: BASE_MODEL, adapter_out: join(dir, '.sia', 'adapters', `adapter-${submitted.jobId.slice(4)}`) });
    expectPromptThenCompletion(join(submitted.handle!, 'batch.jsonl'));

    const [checkpoint] = dataOf(events, 'weights.checkpointed');
    const adapterFolder = join(dir, '.sia', 'adapters', checkpoint.adapterId);
    expect(fileURLToPath(checkpoint.uri)).toBe(adapterFolder);
    expectHashesMatchDisk(checkpoint, adapterFolder);
    expect(server.loads).toContainEqual({ name: checkpoint.adapterId, path: adapterFolder });
    expect(new Set(server.loads.map((load) => load.name)).size).toBe(server.loads.length);
    expectServing(events, baseURL);
    expect(dataOf(events, 'experiment.finished')).toHaveLength(1);
  });

  it('--trainer modal: spawns on the fake Modal, survives a crash after training.submitted, and resumes polling the same call', {
    timeout: 60_000,
  }, async () => {
    const { dir, task } = await tinyTask();
    const cloud = new FakeModalCloud(join(dir, 'volume'), undefined, true);
    const { server, baseURL } = await fakeVllm((path) => join(cloud.volumeDir, path.replace(/^\/vol\//, '')));
    const dbFile = join(dir, 'sia.db');
    const config: SiaConfig = { openaiPolicy: { model: BASE_MODEL, baseURL }, modal: { backend: 'toy' } };
    const settings = settingsFor('modal', join(dir, 'adder'));
    const experimentId = 'x-modal-resume';

    // sia dies right after training.submitted (the call is held, so it is still running on "Modal").
    const crash = new Error('simulated crash after submit');
    let store = openSqliteEventStore(dbFile);
    try {
      const crashing = (line: string) => {
        if (line.trim().startsWith('training ')) throw crash;
      };
      await expect(runSession({ store, dbFile, settings, config, task, experimentId, modalClient: cloud.client(), onProgress: crashing })).rejects.toBe(crash);
    } finally {
      store.close();
    }
    const [submitted] = dataOf(eventsOf(dbFile, experimentId), 'training.submitted');
    expect(submitted.handle).toMatch(/^fc-/);
    expect(submitted.job).toMatchObject({ adapter_out: `/vol/adapters/adapter-${submitted.jobId.slice(4)}` });
    expect(dataOf(eventsOf(dbFile, experimentId), 'training.completed')).toHaveLength(0);

    // A new sia process: a fresh client on the same cloud, only the log to go on.
    cloud.release(submitted.handle!);
    store = openSqliteEventStore(dbFile);
    try {
      await runSession({ store, dbFile, settings, config, task, experimentId, modalClient: cloud.client() });
    } finally {
      store.close();
    }
    const events = eventsOf(dbFile, experimentId);
    const jobs = dataOf(events, 'training.submitted');
    expect(cloud.spawnedArgs).toHaveLength(jobs.length);
    expect(dataOf(events, 'training.completed')[0].jobId).toBe(submitted.jobId);

    const [checkpoint] = dataOf(events, 'weights.checkpointed');
    expect(checkpoint.jobId).toBe(submitted.jobId);
    expect(checkpoint.uri).toBe(`/vol/adapters/${checkpoint.adapterId}`);
    expectHashesMatchDisk(checkpoint, join(cloud.volumeDir, 'adapters', checkpoint.adapterId));
    expectPromptThenCompletion(join(cloud.volumeDir, 'batches', `${submitted.jobId}.jsonl`));
    expect(server.loads).toContainEqual({ name: checkpoint.adapterId, path: checkpoint.uri });
    expectServing(events, baseURL);
    expect(dataOf(events, 'experiment.finished')).toHaveLength(1);
  });
});

describe('policy/trainer pairs for a weights run', () => {
  it("refuses a policy that cannot load the trainer's adapters, naming both flags", { timeout: 30_000 }, async () => {
    const { dir, task } = await tinyTask();
    const config: SiaConfig = { openaiPolicy: { model: BASE_MODEL, baseURL: 'http://127.0.0.1:9/v1' } };
    const build =
      (policy: 'tiny' | 'openai', trainer: 'tiny' | 'local' | 'modal', mode: 'h' | 'w+h' = 'w+h') =>
      () =>
        buildStack({ agents: 'offline', policy, trainer, mode }, config, task, dir);
    expect(build('tiny', 'local')).toThrow(ValidationError);
    expect(build('tiny', 'modal')).toThrow(/--policy tiny.*--trainer modal/);
    expect(build('openai', 'tiny')).toThrow(/--trainer tiny.*--policy openai/);
    expect(build('openai', 'tiny', 'h')).not.toThrow();
    expect(build('openai', 'local')().adapters.uri('a1')).toBe(`file://${join(dir, 'adapters', 'a1')}`);
    expect(build('openai', 'modal')().adapters.path('a1')).toBe('/vol/adapters/a1');

    // `sia run` checks the pair with the other flags, before the log is opened.
    const db = join(dir, 'refused.db');
    const refused = sia(['run', '--task', join(dir, 'adder'), '--mode', 'w+h', '--policy', 'tiny', '--trainer', 'modal', '--db', db]);
    expect(refused).toMatchObject({ status: 2, stderr: expect.stringMatching(/--policy tiny.*--trainer modal/) });
    expect(existsSync(db)).toBe(false);
  });
});
