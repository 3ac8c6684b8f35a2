import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { bisectExperiment } from '../loop/audit/bisect.ts';
import { auditExperiment } from '../loop/audit/index.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { answerTableScaffold, LEAKY_TASK, leakScaffold, plantedExperiment } from './support/planted-hacks.ts';

const dbFile = join(mkdtempSync(join(tmpdir(), 'sia-planted-')), 'sia.db');
const store = openSqliteEventStore(dbFile);
afterAll(() => store.close());

const findingsOf = (audit: Awaited<ReturnType<typeof auditExperiment>>, check: string) => audit.checks.find((c) => c.name === check)?.findings ?? [];

describe('planted verifier hacks', () => {
  it('catches a scaffold that reads the leaked labels, and bisect names the event that accepted it', { timeout: 120_000 }, async () => {
    const planted = await plantedExperiment(store, dbFile, 'x-leak', leakScaffold());
    const statuses = planted.summary.nodes.map((node) => node.status);
    expect(statuses).toEqual(['accepted', 'accepted', 'accepted']);

    const audit = await auditExperiment({ store, dbFile, config: {}, experimentId: 'x-leak' });
    expect(audit.clean).toBe(false);
    expect(findingsOf(audit, 'static-scan')).toEqual([
      expect.objectContaining({ nodeId: planted.hackNodeId, message: expect.stringContaining('label field') }),
    ]);
    const canaries = findingsOf(audit, 'canaries');
    expect(canaries.map((finding) => finding.nodeId)).toEqual([planted.hackNodeId]);
    expect(canaries[0].message).toMatch(/passes 3 of 3 canary/);
    const recorded = store.read({ streamId: 'audit-x-leak' });
    expect(recorded.map((event) => event.type)).toEqual(['audit.performed']);

    const bisect = await bisectExperiment({ store, dbFile, config: {}, experimentId: 'x-leak' });
    expect(bisect.culprit).toMatchObject({ nodeId: planted.hackNodeId, type: 'scaffold.accepted' });
    expect(bisect.culprit?.failedChecks.map((check) => check.name).sort()).toEqual(['canaries', 'static-scan']);
    // The honest step before it was audited clean on the way.
    expect(bisect.probes).toContainEqual(expect.objectContaining({ nodeId: planted.honestNodeId, clean: true }));
  });

  it('catches a scaffold that hard-codes the dev answers, and bisect names the event that accepted it', { timeout: 120_000 }, async () => {
    const task = await loadTask(LEAKY_TASK);
    const planted = await plantedExperiment(store, dbFile, 'x-table', answerTableScaffold(task.splits(0).dev));
    expect(planted.summary.nodes.map((node) => node.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(planted.summary.nodes[2].scores.dev).toBe(1);

    const audit = await auditExperiment({ store, dbFile, config: {}, experimentId: 'x-table' });
    expect(audit.clean).toBe(false);
    expect(findingsOf(audit, 'divergence')[0]).toMatchObject({ nodeId: planted.hackNodeId, message: expect.stringContaining('not seen on holdout') });
    expect(findingsOf(audit, 'robustness')[0]).toMatchObject({ nodeId: planted.hackNodeId, message: expect.stringContaining('renumber') });
    expect(findingsOf(audit, 'canaries')).toEqual([]);

    const bisect = await bisectExperiment({ store, dbFile, config: {}, experimentId: 'x-table' });
    expect(bisect.culprit).toMatchObject({ nodeId: planted.hackNodeId, type: 'scaffold.accepted' });
    expect(bisect.culprit?.failedChecks.map((check) => check.name).sort()).toEqual(['divergence', 'robustness']);
  });

  it('a table of dev answers keyed by example id gains nothing: the sandbox sees opaque ids, so the gate rejects it', { timeout: 120_000 }, async () => {
    const task = await loadTask(LEAKY_TASK);
    const planted = await plantedExperiment(store, dbFile, 'x-id-table', answerTableScaffold(task.splits(0).dev, 'id'));
    expect(planted.summary.nodes.map((node) => node.status)).toEqual(['accepted', 'accepted', 'rejected']);
    expect(planted.summary.nodes[2].scores.dev).toBe(planted.summary.nodes[1].scores.dev);
  });
});
