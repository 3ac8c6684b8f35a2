import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { replayNode } from '../loop/replay.ts';
import { runSession } from '../loop/session.ts';
import { experimentSummary } from '../loop/summary.ts';
import { createCassetteAgents } from '../plugins/providers/cassette.ts';
import { leakySettings } from './support/planted-hacks.ts';

describe('sia replay from a copy of the database alone', () => {
  it('rebuilds a weights node from the adapter blobs in the log and reproduces its run exactly', { timeout: 120_000 }, async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-original-')), 'sia.db');
    const store = openSqliteEventStore(dbFile);
    const agents = createCassetteAgents({
      decisions: [
        { kind: 'weights', algorithm: 'grpo', rationale: 'train' },
        { kind: 'stop', rationale: 'done' },
      ],
    });
    const experimentId = await runSession({
      store,
      dbFile,
      settings: { ...leakySettings(2), mode: 'w+h' },
      config: {},
      stackOverrides: { meta: agents.meta, feedback: agents.feedback },
    });
    const weights = experimentSummary(store, experimentId).nodes.find((node) => node.kind === 'weights');
    store.close();
    expect(weights?.adapterId).toEqual(expect.any(String));

    // Only the database file travels: no .sia folder next to the copy.
    const copy = join(mkdtempSync(join(tmpdir(), 'sia-copy-')), 'copy.db');
    copyFileSync(dbFile, copy);
    expect(existsSync(join(dirname(copy), '.sia'))).toBe(false);
    const copied = openSqliteEventStore(copy);
    try {
      const report = await replayNode({ store: copied, dbFile: copy, config: {}, nodeId: weights!.id, split: 'dev', cassette: true });
      expect(report.rebuilt.adapter?.adapterId).toBe(weights!.adapterId);
      expect(existsSync(join(dirname(copy), '.sia', 'adapters', weights!.adapterId as string, 'adapter_model.safetensors'))).toBe(true);
      expect(report).toMatchObject({ exact: true, divergences: [], difference: 0 });
    } finally {
      copied.close();
    }
  });
});
