import { describe, expect, it } from 'vitest';
import { upcast } from '../core/events/upcasters.ts';
import { chainHash } from '../core/store/chain.ts';
import { createInMemoryEventStore } from '../core/store/index.ts';

describe('old event versions are upcast on read, never rewritten', () => {
  const v1 = { runId: 'r', experimentId: 'x', nodeId: 'n', split: 'dev', score: 0.5, metricName: 'accuracy', n: 4, wallMs: 3 };

  it('fills what run.finished v1 lacked', () => {
    expect(upcast('run.finished', 1, v1)).toEqual({ ...v1, errors: 0, usage: { promptTokens: 0, completionTokens: 0, costUsd: null } });
    expect(upcast('run.finished', 2, { ...v1, errors: 1 })).toEqual({ ...v1, errors: 1 });
  });

  it('reads a stored v1 row as the current shape while the row itself keeps version 1', () => {
    const store = createInMemoryEventStore();
    const row = {
      position: 1,
      eventId: 'old',
      streamId: 'run-r',
      streamVersion: 1,
      type: 'run.finished',
      schemaVersion: 1,
      data: JSON.stringify(v1),
      metadata: null,
      recordedAt: '2026-01-01T00:00:00.000Z',
    };
    store.rows.push({ ...row, hash: chainHash('', row) });
    const [event] = store.read();
    expect(event.schemaVersion).toBe(1);
    expect(event.data).toMatchObject({ score: 0.5, errors: 0, usage: { costUsd: null } });
    expect(store.verify()).toMatchObject({ ok: true });
  });
});
