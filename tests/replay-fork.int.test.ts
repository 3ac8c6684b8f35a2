import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { forkNode } from '../loop/fork.ts';
import { replayNode } from '../loop/replay.ts';
import { runSession } from '../loop/session.ts';
import { experimentSummary } from '../loop/summary.ts';
import { createCassetteAgents } from '../plugins/providers/cassette.ts';
import { leakySettings } from './support/planted-hacks.ts';

const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-replay-')), 'sia.db');
const store = openSqliteEventStore(dbFile);
let experimentId = '';
let summary: ReturnType<typeof experimentSummary>;

beforeAll(async () => {
  // A real offline w+h loop (tiny policy, tiny trainer, sandbox, gate) on the small fixture task; the Feedback-Agent's
  // decisions are scripted so the run surely has weight updates mid-run (the offline agent's choice varies with sampling).
  const agents = createCassetteAgents({
    decisions: [
      { kind: 'weights', algorithm: 'grpo', rationale: 'train' },
      { kind: 'weights', algorithm: 'bon-bc', rationale: 'train more' },
      { kind: 'stop', rationale: 'done' },
    ],
  });
  experimentId = await runSession({
    store,
    dbFile,
    settings: { ...leakySettings(3), mode: 'w+h' },
    config: {},
    stackOverrides: { meta: agents.meta, feedback: agents.feedback },
  });
  summary = experimentSummary(store, experimentId);
}, 120_000);
afterAll(() => store.close());

const weightsNodes = () => summary.nodes.filter((node) => node.kind === 'weights');

describe('the sandbox key', () => {
  it('is a fresh secret recorded with the settings; the log keeps real example ids while the sandbox saw opaque ones', () => {
    const created = store.read({ streamId: `experiment-${experimentId}`, types: ['experiment.created'] })[0];
    const key = (created.data as { config: { sandboxKey?: string } }).config.sandboxKey;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    const steps = store.read({ types: ['run.step_recorded'] }).map((event) => (event.data as { exampleId: string | null }).exampleId);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every((id) => id !== null && /^sum-(train|dev|holdout)-\d+$/.test(id))).toBe(true);
  });
});

describe('sia replay', () => {
  it('replays a recorded run from its cassette exactly, as a new run linked to the original', { timeout: 60_000 }, async () => {
    const node = weightsNodes()[0];
    expect(node).toBeDefined();
    const report = await replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'dev', cassette: true });
    expect(report).toMatchObject({ mode: 'cassette', exact: true, divergences: [], difference: 0, originalScore: node.scores.dev });
    const started = store.read({ streamId: `run-${report.runId}`, types: ['run.started'] })[0];
    expect(started.data).toMatchObject({ replayOf: report.originalRunId, replayMode: 'cassette', nodeId: node.id });
    const llmCalls = store.read({ streamId: `run-${report.runId}`, types: ['run.step_recorded'] }).length;
    expect(llmCalls).toBeGreaterThan(0);
    // A replay never rewrites the node's recorded score.
    expect(experimentSummary(store, experimentId).nodes.find((n) => n.id === node.id)?.scores.dev).toBe(node.scores.dev);
  });

  it("rebuilds a mid-run node's exact scaffold files and adapter bytes, and replays it live with the same score", { timeout: 60_000 }, async () => {
    const node = weightsNodes()[0];
    const outDir = mkdtempSync(join(tmpdir(), 'sia-rebuilt-'));
    const report = await replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'dev', cassette: false, outDir });
    expect(report).toMatchObject({ mode: 'live', difference: 0, exact: true });
    const proposed = store
      .read({ types: ['scaffold.proposed'] })
      .find((event) => event.type === 'scaffold.proposed' && event.data.scaffoldId === node.scaffoldId);
    if (proposed?.type !== 'scaffold.proposed') throw new Error('seed scaffold not found');
    for (const [path, sha] of Object.entries(proposed.data.files)) expect(readFileSync(join(outDir, 'scaffold', path), 'utf8')).toBe(store.getBlobText(sha));
    const adapterDir = join(dirname(dbFile), '.sia', 'adapters', node.adapterId as string);
    const copied = readdirSync(join(outDir, 'adapter')).sort();
    expect(copied).toEqual(Object.keys(report.rebuilt.adapter?.files ?? {}).sort());
    for (const name of copied) {
      const bytes = readFileSync(join(outDir, 'adapter', name));
      expect(bytes.equals(readFileSync(join(adapterDir, name)))).toBe(true);
      expect(sha256Hex(bytes)).toBe(report.rebuilt.adapter?.files[name]);
    }
  });

  it('replays a node on holdout it was never scored on as an audit run, without touching its scores', { timeout: 60_000 }, async () => {
    const node = weightsNodes()[0];
    const report = await replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'holdout', cassette: false });
    expect(report).toMatchObject({ originalRunId: null, difference: null, exact: null });
    expect(experimentSummary(store, experimentId).nodes.find((n) => n.id === node.id)?.scores.holdout).toBeUndefined();
    await expect(replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'holdout', cassette: true })).rejects.toThrow(
      /no finished eval run on holdout/,
    );
  });
});

describe('sia fork', () => {
  it('continues a finished experiment from a mid-run node as a branch; new nodes descend from it', { timeout: 60_000 }, async () => {
    const from = weightsNodes()[0];
    const agents = createCassetteAgents({ decisions: [{ kind: 'weights', algorithm: 'grpo', rationale: 'branch' }] });
    const fork = await forkNode({
      store,
      dbFile,
      config: {},
      nodeId: from.id,
      iterations: 1,
      stackOverrides: { meta: agents.meta, feedback: agents.feedback },
    });
    expect(fork).toMatchObject({ experimentId, fromNodeId: from.id, iterations: 1 });
    expect(fork.newNodeIds).toHaveLength(1);
    const after = experimentSummary(store, experimentId);
    expect(after.status).toBe('finished');
    expect(after.nodes.find((node) => node.id === fork.newNodeIds[0])?.parentId).toBe(from.id);
    expect(store.read({ types: ['experiment.branched'] }).map((event) => event.data)).toEqual([{ experimentId, fromNodeId: from.id, iterations: 1 }]);
  });
});

describe('adapter integrity', () => {
  it('refuses to replay a node whose adapter file changed on disk, naming the file', { timeout: 60_000 }, async () => {
    const node = weightsNodes()[0];
    appendFileSync(join(dirname(dbFile), '.sia', 'adapters', node.adapterId as string, 'adapter_model.safetensors'), 'x');
    const replay = replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'dev', cassette: false });
    await expect(replay).rejects.toThrow(IntegrityError);
    await expect(replayNode({ store, dbFile, config: {}, nodeId: node.id, split: 'dev', cassette: false })).rejects.toThrow(
      /adapter_model\.safetensors was changed/,
    );
  });
});
