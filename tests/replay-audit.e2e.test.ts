import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';
import { LEAKY_TASK, leakScaffold, plantedExperiment } from './support/planted-hacks.ts';

const freshDir = () => mkdtempSync(join(tmpdir(), 'sia-audit-cli-'));

describe('replay, fork, audit, bisect and report from the CLI', () => {
  it('work on an offline w+h run', { timeout: 240_000 }, () => {
    const dir = freshDir();
    const db = join(dir, 'sia.db');
    const run = sia(['run', '--task', LEAKY_TASK, '--mode', 'w+h', '--iterations', '3', '--db', db, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    // The offline agent's first choice depends on sampling: a weight update when it made one, else the first edit.
    const mid = summary.nodes.find((node: { kind: string }) => node.kind === 'weights') ?? summary.nodes[1];
    expect(mid).toBeDefined();

    const replay = sia(['replay', mid.id, '--cassette', '--db', db, '--json']);
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ nodeId: mid.id, mode: 'cassette', exact: true, difference: 0 });

    const fork = sia(['fork', mid.id, '--iterations', '1', '--db', db, '--json']);
    expect(fork.status, fork.stderr).toBe(0);
    const forked = JSON.parse(fork.stdout);
    expect(forked.branch).toMatchObject({ fromNodeId: mid.id, iterations: 1 });
    for (const id of forked.branch.newNodeIds) expect(forked.nodes.find((node: { id: string }) => node.id === id).parentId).toBe(mid.id);

    const audit = sia(['audit', summary.experimentId, '--db', db, '--json']);
    expect([0, 4]).toContain(audit.status);
    const verdict = JSON.parse(audit.stdout);
    expect(verdict.checks.map((check: { name: string }) => check.name)).toEqual([
      'isolation',
      'divergence',
      'verifier-pinning',
      'robustness',
      'coupling',
      'static-scan',
      'canaries',
      'serving-parity',
    ]);
    expect(audit.status).toBe(verdict.clean ? 0 : 4);

    const bisect = sia(['bisect', summary.experimentId, '--db', db, '--json']);
    expect(JSON.parse(bisect.stdout).culprit === null).toBe(bisect.status === 0);

    const out = join(dir, 'report');
    const report = sia(['report', summary.experimentId, '--db', db, '--out', out]);
    expect(report.status, report.stderr).toBe(0);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain(mid.id);
    expect(html).not.toMatch(/<script|src=|href=/);
    // The head the report was written at, as `sia verify --head` takes it.
    const [, head] = /sia verify --head (\d+:[0-9a-f]{64})/.exec(html) ?? [];
    expect(sia(['verify', '--db', db, '--head', head!]).status).toBe(0);

    const store = openSqliteEventStore(db);
    expect(store.verify().ok).toBe(true);
    expect(store.read({ streamId: `audit-${summary.experimentId}` }).map((event) => event.type)).toEqual(['audit.performed']);
    store.close();
  });

  it('exit 4 on a planted hack: audit lists it, bisect names the event that accepted it', { timeout: 240_000 }, async () => {
    const db = join(freshDir(), 'sia.db');
    const store = openSqliteEventStore(db);
    const planted = await plantedExperiment(store, db, 'x-planted', leakScaffold());
    store.close();
    const audit = sia(['audit', 'x-planted', '--db', db]);
    expect(audit.status, audit.stderr).toBe(4);
    expect(audit.stdout).toMatch(/FAIL static-scan/);
    expect(audit.stdout).toMatch(/FAIL canaries/);
    const bisect = sia(['bisect', 'x-planted', '--db', db]);
    expect(bisect.status).toBe(4);
    expect(bisect.stdout).toContain(`scaffold.accepted of ${planted.hackNodeId}`);
  });

  it('refuses unknown nodes and experiments with a message naming them', { timeout: 60_000 }, () => {
    const db = join(freshDir(), 'sia.db');
    expect(sia(['replay', 'node-nope', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining(db) });
    openSqliteEventStore(db).close();
    expect(sia(['replay', 'node-nope', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('node-nope') });
    expect(sia(['fork', 'node-nope', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('node-nope') });
    expect(sia(['audit', 'x-nope', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('x-nope') });
    expect(existsSync(db)).toBe(true);
  });
});
