/**
 * The real stack end to end, on CPU: a w+h session on LawBench (6 train, 4 dev, 4 holdout items; the reference
 * scaffold shortlists 5 charges so each guided choice scores 5 continuations) with the openai policy against
 * gpu/'s policy server (transformers + peft, a tiny random gpt-oss built offline), the local trainer running the
 * worker's torch backend on the same base folder, LoRA hot-loading by name, and a cassette replay of the trained
 * node, and the serving-parity check (the server's logprobs of the trainer's probe tokens under the new adapter).
 * The Feedback-Agent is scripted (one GRPO update, then stop) so the run surely trains.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData, StoredEvent } from '../core/events/index.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { auditExperiment } from '../loop/audit/index.ts';
import type { SiaConfig } from '../loop/config.ts';
import { replayNode } from '../loop/replay.ts';
import { DEFAULT_OPTIONS, runSession, type SessionSettings } from '../loop/session.ts';
import { createCassetteAgents } from '../plugins/providers/cassette.ts';
import { GPU_DIR, requireVenv } from './support/venv.ts';

const LAWBENCH = fileURLToPath(new URL('../plugins/tasks/lawbench/index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sia-real-stack-'));
const modelDir = join(dir, 'tiny-base');
const dbFile = join(dir, 'sia.db');
let server: ChildProcess;
let baseURL = '';
let experimentId = '';
let events: StoredEvent[] = [];

const dataOf = <T extends StoredEvent['type']>(type: T) => events.filter((event) => event.type === type).map((event) => event.data as EventData<T>);

/** A user task wrapping the packaged LawBench with small splits and a 5-charge shortlist. */
function smallLawbench(): string {
  const taskDir = join(dir, 'small-lawbench');
  mkdirSync(taskDir);
  writeFileSync(
    join(taskDir, 'index.mjs'),
    `import { createTask as lawbench } from ${JSON.stringify(LAWBENCH)};
export default async function createTask(options) {
  const task = await lawbench({ train: 6, dev: 4, holdout: 4, ...options });
  const { entry, files } = task.referenceScaffold;
  return { ...task, referenceScaffold: { entry, files: { ...files, [entry]: files[entry].replace('"shortlist": 0', '"shortlist": 5') } } };
}
`,
  );
  return taskDir;
}

async function startServer(python: string): Promise<string> {
  server = spawn(python, ['-m', 'sia_worker.serve', '--model', modelDir, '--port', '0', '--cpu-threads', '1'], {
    cwd: GPU_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  server.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    let stdout = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(`${match[1]}/v1`);
    });
    server.on('exit', (code) => reject(new Error(`policy server exited with ${code}: ${stderr}`)));
  });
}

async function chat(model: string) {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      messages: [{ role: 'user', content: '被告人盗窃财物。罪名？' }],
      guided_choice: ['盗窃', '抢劫'],
      temperature: 0,
      logprobs: true,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { model: string; choices: [{ logprobs: { content: { logprob: number }[] } }] };
}

beforeAll(async () => {
  const python = requireVenv();
  const built = spawnSync(python, ['-m', 'sia_worker.tiny_model', modelDir], { cwd: GPU_DIR, encoding: 'utf8', timeout: 120_000 });
  expect(built.status, built.stderr).toBe(0);
  baseURL = await startServer(python);
  const settings: SessionSettings = {
    agents: 'offline',
    policy: 'openai',
    trainer: 'local',
    task: smallLawbench(),
    mode: 'w+h',
    seed: 1,
    options: { ...DEFAULT_OPTIONS, iterations: 2, groupSize: 2, training: { lr: 0.05, epochs: 2, rank: 8 } },
  };
  const config: SiaConfig = { openaiPolicy: { model: modelDir, baseURL }, local: { backend: 'torch', python } };
  const agents = createCassetteAgents({
    decisions: [
      { kind: 'weights', algorithm: 'grpo', rationale: 'train' },
      { kind: 'stop', rationale: 'done' },
    ],
  });
  const store = openSqliteEventStore(dbFile);
  try {
    experimentId = await runSession({ store, dbFile, settings, config, stackOverrides: { meta: agents.meta, feedback: agents.feedback } });
    events = store.read({ streamId: `experiment-${experimentId}` });
  } finally {
    store.close();
  }
}, 600_000);

afterAll(() => server?.kill('SIGKILL'));

describe('the real stack on CPU: policy server, torch trainer, LoRA hot-load', () => {
  it('rollouts carry prompt and completion token ids; the torch worker trains a PEFT adapter on the served base', () => {
    const [submitted] = dataOf('training.submitted');
    expect(submitted.trainer).toBe('local');
    expect(submitted.job).toMatchObject({ base_model: modelDir });
    const rows = readFileSync(join(submitted.handle!, 'batch.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { tokens: number[]; mask: number[] });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const completion = row.mask.indexOf(1);
      expect(completion).toBeGreaterThan(10);
      expect(row.mask.slice(completion).every((m) => m === 1)).toBe(true);
    }
    const [checkpoint] = dataOf('weights.checkpointed');
    expect(Object.keys(checkpoint.files)).toEqual(expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']));
    expect(existsSync(fileURLToPath(checkpoint.uri))).toBe(true);
  });

  it('the loop hot-loads the adapter under its own name and the next evaluation is served by it, with other logprobs', async () => {
    const [checkpoint] = dataOf('weights.checkpointed');
    const served = dataOf('weights.served');
    expect(served[0]).toMatchObject({ adapterId: null, servedName: modelDir });
    expect(served).toContainEqual(expect.objectContaining({ adapterId: checkpoint.adapterId, servedName: checkpoint.adapterId }));
    const models = (await (await fetch(`${baseURL}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toContain(checkpoint.adapterId);
    const [base, adapted] = [await chat(modelDir), await chat(checkpoint.adapterId)];
    expect(adapted.model).toBe(checkpoint.adapterId);
    expect(adapted.choices[0].logprobs.content[0].logprob).not.toBe(base.choices[0].logprobs.content[0].logprob);
  });

  it("records the serving-parity check of the new adapter: served logprobs match the trainer's within 1e-3 (fp32), and the audit check passes", {
    timeout: 400_000,
  }, async () => {
    const [checkpoint] = dataOf('weights.checkpointed');
    const checks = dataOf('serving.parity_checked');
    expect(checks).toHaveLength(1);
    const [parity] = checks;
    // The figure gpu/README.md quotes comes from this line.
    console.log(`serving parity: ${JSON.stringify(parity)}`);
    expect(parity).toMatchObject({
      adapterId: checkpoint.adapterId,
      servedName: checkpoint.adapterId,
      dtype: 'float32',
      threshold: 1e-3,
      passed: true,
      skipped: null,
    });
    expect(parity.tokens).toBeGreaterThan(4);
    expect(parity.maxAbsDiff).toBeLessThanOrEqual(1e-3);
    expect(parity.meanAbsDiff).toBeLessThanOrEqual(parity.maxAbsDiff!);
    // sia audit's own path (a session with the recorded settings, every check, audit.performed appended).
    const store = openSqliteEventStore(dbFile);
    try {
      const config = { openaiPolicy: { model: modelDir, baseURL }, local: { backend: 'torch' as const, python: requireVenv() } };
      const audit = await auditExperiment({ store, dbFile, config, experimentId });
      expect(audit.checks.find((check) => check.name === 'serving-parity')).toMatchObject({
        passed: true,
        findings: [],
        summary: expect.stringMatching(/^served logprobs of 1 adapter\(s\) compared with the trainer's \(max \|diff\| \d\.\d\de-\d\)$/),
        measurements: { applicable: true },
      });
    } finally {
      store.close();
    }
  });

  it('replays the trained node from its cassette exactly', { timeout: 300_000 }, async () => {
    const [checkpoint] = dataOf('weights.checkpointed');
    const store = openSqliteEventStore(dbFile);
    try {
      const nodeId = dataOf('weights.checkpointed').find((data) => data.adapterId === checkpoint.adapterId)!.nodeId;
      const report = await replayNode({
        store,
        dbFile,
        config: { openaiPolicy: { model: modelDir, baseURL }, local: { backend: 'torch', python: requireVenv() } },
        nodeId,
        split: 'dev',
        cassette: true,
      });
      expect(report).toMatchObject({ mode: 'cassette', exact: true, divergences: [] });
    } finally {
      store.close();
    }
  });
});
