import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../core/events/index.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { loadLoopState } from '../loop/experiment-log.ts';
import { sia } from './support/cli.ts';
import { lineageSignature } from './support/lineage-signature.ts';
import { LEAKY_TASK } from './support/planted-hacks.ts';

const RUN = ['run', '--task', LEAKY_TASK, '--mode', 'w+h', '--iterations', '3', '--group-size', '2', '--seed', '5'];
const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sia-kill-')), 'sia.db');

function readLog(db: string): StoredEvent[] {
  try {
    const store = openSqliteEventStore(db, { readonly: true });
    try {
      return store.read({ types: ['experiment.created', 'run.started', 'evaluation.recorded', 'training.submitted', 'training.completed'] });
    } finally {
      store.close();
    }
  } catch {
    return []; // the file or its tables may not exist yet
  }
}

const count = (events: StoredEvent[], matches: (event: StoredEvent) => boolean) => events.filter(matches).length;
const evalRecorded = (event: StoredEvent) => event.type === 'evaluation.recorded' && event.data.purpose === 'eval';

/** Where to kill, judged from the log alone. */
const MOMENTS: Record<string, (events: StoredEvent[]) => boolean> = {
  // A job submitted and not completed: the trainer is working.
  training: (events) => count(events, (event) => event.type === 'training.submitted') > count(events, (event) => event.type === 'training.completed'),
  // A candidate's dev result is in and its verdict is not (the seed's train, dev, then the candidate's dev).
  gating: (events) => count(events, evalRecorded) >= 3,
  // An eval run of the second iteration has started and not recorded its result.
  evaluation: (events) =>
    count(events, evalRecorded) >= 3 && count(events, (event) => event.type === 'run.started' && event.data.purpose === 'eval') > count(events, evalRecorded),
};

async function runKilledAt(db: string, moment: (events: StoredEvent[]) => boolean): Promise<void> {
  const child = spawn('node', ['bin/sia.js', ...RUN, '--db', db], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 90_000;
  while (!moment(readLog(db))) {
    if (Date.now() > deadline) throw new Error('the moment to kill never came');
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  child.kill('SIGKILL');
  await exited;
}

function signatureOf(db: string) {
  const store = openSqliteEventStore(db);
  try {
    const created = store.read({ types: ['experiment.created'] })[0];
    const experimentId = (created.data as { experimentId: string }).experimentId;
    return { experimentId, signature: lineageSignature(loadLoopState(store, experimentId)), verified: store.verify().ok };
  } finally {
    store.close();
  }
}

describe('sia run killed with SIGKILL, then --resume', () => {
  let expected: ReturnType<typeof lineageSignature>;
  beforeAll(() => {
    const reference = freshDb();
    expect(sia([...RUN, '--db', reference]).status).toBe(0);
    expected = signatureOf(reference).signature;
  }, 120_000);

  it.each(Object.keys(MOMENTS))('during %s ends as the uninterrupted run with the same seed', { timeout: 240_000 }, async (moment) => {
    const db = freshDb();
    await runKilledAt(db, MOMENTS[moment]);
    const killed = signatureOf(db);
    expect(killed.signature.status).toBe('running');
    const resumed = sia(['run', '--resume', killed.experimentId, '--db', db]);
    expect(resumed.status, resumed.stderr).toBe(0);
    const after = signatureOf(db);
    expect(after.verified).toBe(true);
    expect(after.signature).toEqual(expected);
  });
});
