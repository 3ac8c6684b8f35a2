import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { experimentSummary } from '../loop/summary.ts';
import { createTask } from '../plugins/tasks/lawbench/index.ts';

/**
 * The weights lever on the embedded default, measured: on LawBench, a w+h run's weight updates
 * must pass the dev gate on their own (same scaffold as the parent) and compound (an update on top of an update).
 */
describe('weights lever on the embedded default (lawbench, w+h)', () => {
  it('accepts consecutive weight updates that raise dev over their parent with the harness frozen', { timeout: 120_000 }, async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-levers-')), 'sia.db');
    const store = openSqliteEventStore(dbFile);
    try {
      // The packaged train and dev splits (on 120 train items the first update over-fits and is rightly rejected).
      const task = await createTask({ train: 250, dev: 125, holdout: 25 });
      const settings = {
        task: 'lawbench',
        mode: 'w+h' as const,
        seed: 0,
        agents: 'offline' as const,
        policy: 'tiny' as const,
        trainer: 'tiny' as const,
        options: { ...DEFAULT_OPTIONS, iterations: 3 },
      };
      const experimentId = await runSession({ store, dbFile, settings, config: {}, task });
      const summary = experimentSummary(store, experimentId);
      const byId = new Map(summary.nodes.map((node) => [node.id, node]));
      const accepted = summary.nodes.filter((node) => node.kind === 'weights' && node.status === 'accepted');
      expect(accepted.length, JSON.stringify(summary.nodes, null, 1)).toBeGreaterThanOrEqual(2);
      for (const node of accepted) {
        const parent = byId.get(node.parentId as string);
        expect(parent?.status).toBe('accepted');
        expect(node.scaffoldId).toBe(parent?.scaffoldId);
        expect(node.adapterId).not.toBe(parent?.adapterId);
        expect(node.scores.dev).toBeGreaterThan(parent?.scores.dev as number);
      }
      // Compounding: the second accepted update starts from the first one's adapter.
      expect(accepted[1].parentId).toBe(accepted[0].id);
      expect(summary.best.nodeId).toBe(accepted[accepted.length - 1].id);
    } finally {
      store.close();
    }
  });
});
