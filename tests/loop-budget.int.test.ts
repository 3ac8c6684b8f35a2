import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hashing.ts';
import type { FeedbackAgent } from '../core/ports/agents.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { loadLoopState } from '../loop/experiment-log.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { Crash, dyingAfterEvent } from './support/dying-store.ts';
import { leakySettings } from './support/planted-hacks.ts';

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sia-budget-')), 'sia.db');
const T0 = Date.parse('2026-12-01T10:00:00Z');

describe("budgets are the experiment's", () => {
  it('the wall budget counts from the recorded start across a resume, and stopping closes the open candidate', { timeout: 120_000 }, async () => {
    const dbFile = freshDb();
    const store = openSqliteEventStore(dbFile);
    const settings = { ...leakySettings(3), options: { ...DEFAULT_OPTIONS, iterations: 3, budgets: { maxTokens: null, maxWallMs: 60_000 } } };
    // The first process dies once the first harness edit is proposed.
    const proposedEdit = (event: { type: string; data: unknown }) =>
      event.type === 'scaffold.proposed' && (event.data as { parentNodeId: string | null }).parentNodeId !== null;
    await expect(
      runSession({ store: dyingAfterEvent(store, proposedEdit), dbFile, settings, config: {}, experimentId: 'x', clock: () => new Date(T0) }),
    ).rejects.toThrow(Crash);
    const killed = loadLoopState(store, 'x');
    expect(killed.startedAt).toBe(new Date(T0).toISOString());
    expect(killed.candidateNodeId).not.toBeNull();

    // Resumed two minutes later by the clock: the budget ran out while it was down.
    await runSession({ store, dbFile, settings, config: {}, experimentId: 'x', clock: () => new Date(T0 + 120_000) });
    const state = loadLoopState(store, 'x');
    expect(state.finish?.reason).toBe('budget');
    expect(state.nodes[killed.candidateNodeId as string].status).toBe('cancelled');
    expect(Object.values(state.nodes).filter((node) => node.status === 'proposed')).toEqual([]);
    expect(store.read({ types: ['work.cancelled'] })).toHaveLength(1);
    expect(state.decisions).toHaveLength(killed.decisions.length);
    store.close();
  });

  it('a token budget cancels an open weights decision instead of leaving it behind', { timeout: 120_000 }, async () => {
    const base = { ...leakySettings(3), mode: 'w+h' as const, seed: 0 };
    const options = { ...DEFAULT_OPTIONS, iterations: 3, groupSize: 2 };
    // An agent that always trains: the offline one would not train from an incomplete probe (groups of one sample).
    const alwaysWeights: FeedbackAgent = {
      id: 'always-weights',
      prompt: { hash: sha256Hex('always weights'), text: 'always weights' },
      async decide() {
        return {
          decision: { kind: 'weights', algorithm: 'grpo', rationale: 'train' },
          promptHash: sha256Hex('always weights'),
          usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
          attempts: 1,
        };
      },
    };
    const stackOverrides = { feedback: alwaysWeights };
    const reference = freshDb();
    const referenceStore = openSqliteEventStore(reference);
    await runSession({ store: referenceStore, dbFile: reference, settings: { ...base, options }, config: {}, experimentId: 'x', stackOverrides });
    const stream = referenceStore.read({ streamId: 'experiment-x' });
    const decided = stream.findIndex((event) => event.type === 'feedback.decided');
    expect(stream[decided].data).toMatchObject({ kind: 'weights' });
    // The decision's statistics come from a probe of rollouts drawn just before it: the budget is what was spent before the first of them.
    const firstRollout = stream.findIndex((event) => event.type === 'evaluation.recorded' && event.data.purpose === 'rollout');
    expect(firstRollout).toBeGreaterThan(-1);
    expect(firstRollout).toBeLessThan(decided);
    const tokensBefore = stream
      .slice(0, firstRollout)
      .reduce((sum, event) => sum + (event.type === 'evaluation.recorded' ? event.data.usage.promptTokens + event.data.usage.completionTokens : 0), 0);
    referenceStore.close();

    // One token more: the probe's first rollout spends the rest, the second never starts; the decision is made from
    // what was drawn, and the open weights decision is cancelled before any training.
    const dbFile = freshDb();
    const store = openSqliteEventStore(dbFile);
    await runSession({
      store,
      dbFile,
      settings: { ...base, options: { ...options, budgets: { maxTokens: tokensBefore + 1, maxWallMs: null } } },
      config: {},
      experimentId: 'x',
      stackOverrides,
    });
    const state = loadLoopState(store, 'x');
    expect(state.finish?.reason).toBe('budget');
    expect(state.decisions.map((decision) => decision.kind)).toEqual(['weights']);
    expect(Object.values(state.runs).filter((run) => run.purpose === 'rollout')).toHaveLength(1);
    expect(store.read({ types: ['work.cancelled'] }).map((event) => event.data)).toEqual([expect.objectContaining({ nodeId: null, jobId: null })]);
    expect(state.pendingWeights).toBeNull();
    expect(Object.values(state.nodes).filter((node) => node.status === 'proposed')).toEqual([]);
    store.close();
  });
});
