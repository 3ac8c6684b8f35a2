import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import type { Trainer } from '../core/ports/trainer.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { loadLoopState } from '../loop/experiment-log.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { createTinyTrainer } from '../plugins/trainers/tiny.ts';
import { Crash, dyingAfter } from './support/dying-store.ts';
import { lineageSignature } from './support/lineage-signature.ts';
import { leakySettings } from './support/planted-hacks.ts';

/** A tiny trainer whose jobs can be waited for: its in-process jobs outlive the "killed" session otherwise. */
function settledTrainer(): { trainer: Trainer; settle: () => Promise<void> } {
  const inner = createTinyTrainer();
  const handles: string[] = [];
  const trainer: Trainer = {
    id: inner.id,
    submit: async (job, rows) => {
      const submitted = await inner.submit(job, rows);
      handles.push(submitted.handle);
      return submitted;
    },
    poll: (handle) => inner.poll(handle),
  };
  const settle = async () => {
    for (const handle of handles) while ((await inner.poll(handle)).state === 'running') await new Promise((resolve) => setTimeout(resolve, 20));
  };
  return { trainer, settle };
}

const settings = { ...leakySettings(3), mode: 'w+h' as const, seed: 5, options: { ...DEFAULT_OPTIONS, iterations: 3, groupSize: 2 } };
const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sia-resume-')), 'sia.db');
const EXPERIMENT = 'x-property';

async function run(dbFile: string, store: EventStore, trainer?: Trainer) {
  await runSession({ store, dbFile, settings, config: {}, experimentId: EXPERIMENT, ...(trainer ? { stackOverrides: { trainer } } : {}) });
}

describe('resume after a stop at any event boundary', () => {
  it('reaches the uninterrupted lineage: same decisions, verdicts, scores and tokens', { timeout: 600_000 }, async () => {
    const reference = freshDb();
    const referenceStore = openSqliteEventStore(reference);
    let boundaries = 0;
    await run(
      reference,
      new Proxy(referenceStore, {
        get: (target, key) =>
          key === 'append' ? (...args: Parameters<EventStore['append']>) => (boundaries++, target.append(...args)) : Reflect.get(target, key),
      }),
    );
    const expected = lineageSignature(loadLoopState(referenceStore, EXPERIMENT));
    referenceStore.close();
    expect(expected.decisions.some((decision) => decision.includes('weights'))).toBe(true);
    expect(boundaries).toBeGreaterThan(30);

    const mismatches: string[] = [];
    for (let allowed = 1; allowed < boundaries; allowed++) {
      const dbFile = freshDb();
      const store = openSqliteEventStore(dbFile);
      const dying = settledTrainer();
      await expect(run(dbFile, dyingAfter(store, allowed), dying.trainer)).rejects.toThrow(Crash);
      await dying.settle();
      await run(dbFile, store);
      const resumed = lineageSignature(loadLoopState(store, EXPERIMENT));
      if (JSON.stringify(resumed) !== JSON.stringify(expected)) mismatches.push(`stopped after append ${allowed}: ${JSON.stringify(resumed)}`);
      expect(store.verify().ok).toBe(true);
      store.close();
    }
    expect(mismatches).toEqual([]);
  });
});
