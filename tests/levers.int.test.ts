import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { experimentSummary } from '../loop/summary.ts';
import { createTask } from '../plugins/tasks/lawbench/index.ts';

/**
 * The weights lever on the embedded default, measured: on LawBench, a w+h run's weight update must pass the dev gate on
 * its own (same scaffold as the parent), trained on the very rollouts its decision's statistics were drawn from.
 */
describe('weights lever on the embedded default (lawbench, w+h)', () => {
  it('accepts a weight update that raises dev over its parent with the harness frozen, advised from its own rollouts', { timeout: 120_000 }, async () => {
    const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-levers-')), 'sia.db');
    const store = openSqliteEventStore(dbFile);
    try {
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
      expect(accepted.length, JSON.stringify(summary.nodes, null, 1)).toBeGreaterThanOrEqual(1);
      for (const node of accepted) {
        const parent = byId.get(node.parentId as string);
        expect(parent?.status).toBe('accepted');
        expect(node.scaffoldId).toBe(parent?.scaffoldId);
        expect(node.adapterId).not.toBe(parent?.adapterId);
        expect(node.scores.dev).toBeGreaterThan(parent?.scores.dev as number);
      }
      expect(summary.best.nodeId).toBe(accepted[accepted.length - 1].id);
      // Every weights decision was advised from rollouts (groupSize samples per train item), and those rollouts trained.
      const decided = store
        .read({ types: ['feedback.decided'] })
        .map((event) => event.data as { kind: string; nodeId: string; rewardStatistics: { source?: string; groupSize?: number; n: number } });
      const weights = decided.filter((decision) => decision.kind === 'weights');
      expect(weights.length).toBeGreaterThanOrEqual(1);
      for (const decision of weights)
        expect(decision.rewardStatistics).toMatchObject({ source: 'rollouts', groupSize: DEFAULT_OPTIONS.groupSize, n: 250 * DEFAULT_OPTIONS.groupSize });
      const rolloutRuns = store.read({ types: ['evaluation.recorded'] }).filter((event) => (event.data as { purpose: string }).purpose === 'rollout');
      const probedNodes = new Set(decided.map((decision) => decision.nodeId));
      expect(rolloutRuns.length).toBe(probedNodes.size * DEFAULT_OPTIONS.groupSize);
    } finally {
      store.close();
    }
  });
});
