import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sia-loop-')), 'sia.db');

/** One finished eval run per (node, split): a resumed loop repeats nothing that had finished. */
function finishedEvalRuns(db: string) {
  const store = openSqliteEventStore(db);
  try {
    const started = new Map<string, { nodeId: string; split: string; purpose: string }>();
    const finished: string[] = [];
    for (const event of store.iterate({ types: ['run.started', 'run.finished'] })) {
      if (event.type === 'run.started') started.set(event.data.runId, { nodeId: event.data.nodeId, split: event.data.split, purpose: event.data.purpose });
      else if (event.type === 'run.finished') {
        const run = started.get(event.data.runId);
        if (run?.purpose === 'eval') finished.push(`${run.nodeId}/${run.split}`);
      }
    }
    return { finished, started: started.size, verify: store.verify() };
  } finally {
    store.close();
  }
}

describe('sia run (embedded default, offline)', () => {
  it('runs w+h on gsm8k, records every step, and prints the --json object', { timeout: 180_000 }, () => {
    const db = freshDb();
    const result = sia(['run', '--task', 'gsm8k', '--mode', 'w+h', '--iterations', '3', '--db', db, '--json']);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ mode: 'w+h', task: 'gsm8k', status: 'finished' });
    expect(summary.decisions).toHaveLength(3);
    expect(summary.decisions.some((decision: { kind: string }) => decision.kind === 'weights')).toBe(true);
    expect(summary.nodes[0]).toMatchObject({ kind: 'seed', status: 'accepted', parentId: null });
    for (const node of summary.nodes.slice(1)) expect(['accepted', 'rejected']).toContain(node.status);
    expect(summary.best.nodeId).toBeTruthy();
    expect(summary.best.holdout).toEqual(expect.any(Number));
    expect(result.stderr).toContain('[iteration 1/3]');

    const { finished, verify } = finishedEvalRuns(db);
    expect(verify.ok).toBe(true);
    expect(new Set(finished).size).toBe(finished.length);
    const store = openSqliteEventStore(db, { readonly: true });
    const decisions = store.read({ types: ['feedback.decided'] });
    for (const decision of decisions) {
      const hash = decision.type === 'feedback.decided' ? decision.data.promptHash : null;
      expect(hash && store.getBlobText(hash), 'the deciding prompt is stored under its hash').toMatch(/offline/i);
    }
    store.close();
    const lineage = JSON.parse(sia(['lineage', summary.experimentId, '--db', db, '--json']).stdout);
    expect(lineage.nodes.map((node: { id: string }) => node.id)).toEqual(summary.nodes.map((node: { id: string }) => node.id));
    const early = JSON.parse(sia(['lineage', summary.experimentId, '--db', db, '--json', '--at', String(lineage.nodes[1].position - 1)]).stdout);
    expect(early.nodes).toHaveLength(1);
    expect(sia(['lineage', 'x-nope', '--db', db]).stderr).toContain('no experiment x-nope');

    const events = JSON.parse(sia(['events', '--db', db, '--type', 'run.step_recorded', '--limit', '1', '--json']).stdout).events;
    expect(events[0].data.step).toMatchObject({ kind: 'llm_call', model: expect.any(String), logprobs: [expect.any(Number)] });
  });

  it('rejects bad flags with a message naming them, writing nothing', { timeout: 60_000 }, () => {
    const db = freshDb();
    expect(sia(['run', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('--task') });
    expect(sia(['run', '--task', 'no-such-task', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('no-such-task') });
    expect(sia(['run', '--task', 'gsm8k', '--iterations', '-1', '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('--iterations') });
    expect(existsSync(db)).toBe(false);
  });

  it('continues after a kill with --resume: nothing lost, nothing done twice', { timeout: 240_000 }, async () => {
    const db = freshDb();
    const child = spawn('node', ['bin/sia.js', 'run', '--task', 'gsm8k', '--mode', 'w+h', '--iterations', '2', '--db', db], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it in the middle of the weights step: once rollouts have started.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      let rollouts = 0;
      try {
        const store = openSqliteEventStore(db, { readonly: true });
        rollouts = store.read({ types: ['run.started'] }).filter((event) => event.type === 'run.started' && event.data.purpose === 'rollout').length;
        store.close();
      } catch {
        // The file may not exist yet.
      }
      if (rollouts >= 2 || Date.now() > deadline) break;
    }
    child.kill('SIGKILL');
    await exited;

    const store = openSqliteEventStore(db);
    const experimentId = (store.read({ types: ['experiment.created'] })[0].data as { experimentId: string }).experimentId;
    expect(store.read({ types: ['experiment.finished'] })).toHaveLength(0);
    store.close();

    const resumed = sia(['run', '--resume', experimentId, '--db', db, '--json']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.status).toBe('finished');
    expect(summary.decisions).toHaveLength(2);
    const { finished, verify } = finishedEvalRuns(db);
    expect(verify.ok).toBe(true);
    expect(new Set(finished).size).toBe(finished.length);
    expect(sia(['run', '--resume', experimentId, '--db', db])).toMatchObject({ status: 2, stderr: expect.stringContaining('finished') });
  });
});
