import { describe, expect, it } from 'vitest';
import { ConcurrencyError, ValidationError } from '../../core/errors.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';
import { copyLog } from '../../core/store/index.ts';
import { verifyLog } from '../../core/store/verify-log.ts';
import { experimentCreated, logEvent } from '../support/events.ts';

/** The behaviour every EventStore implementation must show (run by the in-memory and SQLite tests). */
export function runEventStoreContract(name: string, make: () => EventStore): void {
  describe(`EventStore contract: ${name}`, () => {
    it('gives consecutive global positions and per-stream versions', () => {
      const store = make();
      const first = store.append('run-a', [logEvent('e1', 'a', 0), logEvent('e2', 'a', 1)]);
      const second = store.append('run-b', [logEvent('e3', 'b', 0)]);
      expect(first.positions).toEqual([1, 2]);
      expect(second.positions).toEqual([3]);
      expect(store.streamVersion('run-a')).toBe(2);
      expect(store.streamVersion('run-b')).toBe(1);
      expect(store.streamVersion('nope')).toBe(0);
      expect(store.head()).toBe(3);
      const read = store.read({ streamId: 'run-a' });
      expect(read.map((event) => [event.position, event.streamVersion, event.id])).toEqual([
        [1, 1, 'e1'],
        [2, 2, 'e2'],
      ]);
    });

    it('stores an event id once: appending it again is a no-op reporting the stored position', () => {
      const store = make();
      store.append('run-a', [logEvent('e1', 'a', 0)]);
      const again = store.append('run-a', [logEvent('e1', 'a', 0), logEvent('e2', 'a', 1)]);
      expect(again).toMatchObject({ positions: [1, 2], appended: 1, streamVersion: 2 });
      expect(store.read()).toHaveLength(2);
    });

    it('refuses a stale expected version with a typed error naming the stream and both versions', () => {
      const store = make();
      store.append('experiment-x', [experimentCreated('x')], { expectedVersion: 'no_stream' });
      expect(() => store.append('experiment-x', [logEvent('e2')], { expectedVersion: 'no_stream' })).toThrow(ConcurrencyError);
      try {
        store.append('experiment-x', [logEvent('e3')], { expectedVersion: 0 });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ streamId: 'experiment-x', expectedVersion: 0, actualVersion: 1 });
        expect(String((error as Error).message)).toContain('experiment-x');
      }
      store.append('experiment-x', [logEvent('e4')], { expectedVersion: 1 });
      expect(store.streamVersion('experiment-x')).toBe(2);
    });

    it('refuses an invalid event with an error naming the field, and writes nothing of the batch', () => {
      const store = make();
      const bad = { ...logEvent('bad'), data: { runId: 'r', exampleId: null, index: -1, step: { kind: 'log', level: 'info', message: 'x' } } };
      expect(() => store.append('run-a', [logEvent('ok'), bad as never])).toThrow(ValidationError);
      try {
        store.append('run-a', [bad as never]);
      } catch (error) {
        expect((error as ValidationError).field).toBe('data.index');
      }
      expect(() => store.append('run-a', [{ id: 'u', type: 'no.such', data: {} } as never])).toThrow(/no.such|type/);
      expect(store.head()).toBe(0);
      expect(store.verify()).toMatchObject({ ok: true, checked: 0 });
    });

    it('reads with after, upTo, limit and type filters', () => {
      const store = make();
      store.append('experiment-x', [experimentCreated('x')]);
      store.append(
        'run-a',
        Array.from({ length: 5 }, (_, i) => logEvent(`e${i}`, 'a', i)),
      );
      expect(store.read({ after: 2, limit: 2 }).map((event) => event.position)).toEqual([3, 4]);
      expect(store.read({ upTo: 2 }).map((event) => event.position)).toEqual([1, 2]);
      expect(store.read({ types: ['experiment.created'] }).map((event) => event.id)).toEqual(['x-created']);
      expect([...store.iterate({ after: 4 })].map((event) => event.position)).toEqual([5, 6]);
    });

    it('keeps a verifiable hash chain', () => {
      const store = make();
      for (let i = 0; i < 20; i++) store.append(`run-${i % 3}`, [logEvent(`e${i}`, String(i % 3), i)]);
      const result = store.verify();
      expect(result).toMatchObject({ ok: true, checked: 20 });
    });

    it('stores blobs by sha256 once and returns their bytes', () => {
      const store = make();
      const sha = store.putBlob('export async function solve() {}');
      expect(sha).toMatch(/^[0-9a-f]{64}$/);
      expect(store.putBlob('export async function solve() {}')).toBe(sha);
      expect(store.getBlobText(sha)).toBe('export async function solve() {}');
      expect(store.getBlob('0'.repeat(64))).toBeNull();
    });

    it('verifies model-call steps whose request parts are blobs, and names a referenced blob that is missing', () => {
      const store = make();
      const choices = store.putBlob(JSON.stringify(['盗窃', '诈骗']));
      const absent = 'f'.repeat(64);
      const step = (
        id: string,
        messages: { role: string; content: string }[] | { blob: string },
        guidedChoice: string[] | { blob: string } | null,
      ): NewEvent => ({
        id,
        type: 'run.step_recorded',
        data: {
          runId: 'r',
          exampleId: 'e1',
          index: 0,
          step: {
            ...{ kind: 'llm_call', model: 'policy', completion: '盗窃', tokenIds: [1], logprobs: [-0.1], latencyMs: 1 },
            request: { messages, guidedChoice, temperature: 0 },
            usage: { promptTokens: 3, completionTokens: 1, costUsd: null },
          },
        },
      });
      // An old log's step (every part inline) next to one naming its candidate list by hash.
      store.append('run-r', [
        step('s1', [{ role: 'user', content: '事实' }], ['盗窃', '诈骗']),
        step('s2', [{ role: 'user', content: '事实' }], { blob: choices }),
      ]);
      expect(verifyLog(store)).toMatchObject({ ok: true, checked: 2, problems: [] });
      expect(JSON.parse(store.getBlobText(choices) as string)).toEqual(['盗窃', '诈骗']);
      store.append('run-r', [step('s3', { blob: absent }, null)]);
      expect(verifyLog(store).problems).toEqual([{ position: 3, reason: `blob ${absent} it refers to is missing` }]);
    });

    it('saves and loads projection checkpoints', () => {
      const store = make();
      expect(store.loadCheckpoint('p@1')).toBeNull();
      store.saveCheckpoint('p@1', 3, '{"n":3}');
      store.saveCheckpoint('p@1', 5, '{"n":5}');
      expect(store.loadCheckpoint('p@1')).toEqual({ position: 5, state: '{"n":5}' });
    });

    it('copies a log into an empty one with positions, hashes and blobs intact, and refuses rows that do not extend the chain', () => {
      const source = make();
      for (let i = 0; i < 12; i++) source.append(`run-${i % 3}`, [logEvent(`e${i}`, String(i % 3), i)]);
      const sha = source.putBlob('scaffold source');
      const copy = make();
      expect(copyLog(source, copy)).toEqual({ events: 12, blobs: 1, head: { position: 12, hash: (source.verify() as { head: string }).head } });
      expect([...copy.exportRows()]).toEqual([...source.exportRows()]);
      expect(copy.streamVersion('run-1')).toBe(4);
      expect(copy.getBlobText(sha)).toBe('scaffold source');
      const [first] = source.exportRows();
      expect(() => copy.importRows([first])).toThrow(/does not follow/);
      const other = make();
      expect(() => other.importRows([{ ...first, data: first.data.replace('}', ',"x":1}') }])).toThrow(/hash does not match/);
      expect(other.head()).toBe(0);
      expect(() => copyLog(source, copy)).toThrow(/already holds 12 events/);
    });
  });
}
