import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineageProjection } from '../core/projections/lineage.ts';
import { openSqliteEventStore, project } from '../core/store/index.ts';
import { loadLoopState } from '../loop/experiment-log.ts';
import { recordedSession } from '../loop/recorded.ts';
import { runSession } from '../loop/session.ts';
import { lineageSignature } from './support/lineage-signature.ts';

// Written by the code before the one-stream layout (commit 11e48f7): `sia run --task gsm8k --mode w+h
// --iterations 2 --seed 3`, killed with SIGKILL once training.submitted was in the log.
const FIXTURE = 'tests/fixtures/legacy-v1.db';
const EXPERIMENT = 'x-8b78811567';

function copyOfFixture(): string {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-legacy-')), 'sia.db');
  copyFileSync(FIXTURE, dbFile);
  return dbFile;
}

describe('a log written before the one-stream layout', () => {
  it('loads: run results come from the run streams, the open training job and its rollouts are kept', () => {
    const store = openSqliteEventStore(copyOfFixture());
    try {
      const state = loadLoopState(store, EXPERIMENT);
      expect(state).toMatchObject({ status: 'running', layout: 'legacy', mode: 'w+h', seed: 3, iteration: 2 });
      expect(state.pendingWeights?.rollouts).toHaveLength(4);
      expect(Object.values(state.training).map((job) => job.status)).toEqual(['submitted']);
      expect(state.nodes[state.nodeOrder[0]].scores).toEqual({ train: 0.005, dev: 0.03 });
      // The lineage view is read off the same fold.
      const lineage = project(store, lineageProjection).state;
      for (const id of state.nodeOrder) expect(lineage.nodes[id]).toMatchObject({ status: state.nodes[id].status, scores: state.nodes[id].scores });
      expect(recordedSession(state, {}).settings).toMatchObject({ task: 'gsm8k', mode: 'w+h', seed: 3, options: { iterations: 2, groupSize: 4 } });
    } finally {
      store.close();
    }
  });

  // The recorded decisions were taken by offline rules v2 from greedy-sample statistics; today's rules (v3, probed
  // rollouts) decide differently from the same seed, so the resumed log is compared with its own record, not a fresh run.
  it('resumes to a finished lineage that keeps its recorded decisions, trains the open job and does not redo rollouts', { timeout: 120_000 }, async () => {
    const legacyDb = copyOfFixture();
    const legacy = openSqliteEventStore(legacyDb);
    try {
      const before = loadLoopState(legacy, EXPERIMENT);
      const { settings, config } = recordedSession(before, {});
      await runSession({ store: legacy, dbFile: legacyDb, settings, config, experimentId: EXPERIMENT });
      const resumed = loadLoopState(legacy, EXPERIMENT);
      expect(resumed.status).toBe('finished');
      expect(lineageSignature(resumed).decisions).toEqual(lineageSignature(before).decisions);
      const weights = Object.values(resumed.nodes).filter((node) => node.kind === 'weights');
      expect(weights).toHaveLength(1);
      expect(['accepted', 'rejected']).toContain(weights[0].status);
      const rollouts = legacy.read({ types: ['run.started'] }).filter((event) => event.type === 'run.started' && event.data.purpose === 'rollout');
      expect(rollouts).toHaveLength(4);
    } finally {
      legacy.close();
    }
  });
});
