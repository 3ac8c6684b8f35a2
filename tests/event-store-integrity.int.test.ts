import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { logEvent } from './support/events.ts';

const run = promisify(execFile);
const freshFile = () => join(mkdtempSync(join(tmpdir(), 'sia-integrity-')), 'log.db');

function seeded(count = 10) {
  const file = freshFile();
  const store = openSqliteEventStore(file);
  for (let i = 0; i < count; i++) store.append('run-a', [logEvent(`e${i}`, 'a', i)]);
  store.close();
  return file;
}

describe('the log cannot be changed unnoticed', () => {
  it('refuses UPDATE and DELETE on events and blobs through triggers', () => {
    const file = seeded(3);
    const store = openSqliteEventStore(file);
    store.putBlob('hello');
    expect(() => store.database.prepare("UPDATE events SET data = '{}' WHERE position = 2").run()).toThrow(/immutable/);
    expect(() => store.database.prepare('DELETE FROM events WHERE position = 2').run()).toThrow(/immutable/);
    expect(() => store.database.prepare("UPDATE blobs SET content = x'00'").run()).toThrow(/immutable/);
    expect(store.verify()).toMatchObject({ ok: true, checked: 3 });
    store.close();
  });

  it('names the first edited position when someone drops the triggers and edits a row', () => {
    const file = seeded(10);
    const raw = new Database(file);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare("UPDATE events SET data = replace(data, 'line 6', 'line 9') WHERE position = 7").run();
    raw.close();
    const store = openSqliteEventStore(file);
    expect(store.verify()).toMatchObject({ ok: false, position: 7, checked: 6 });
    store.close();
  });

  it('notices a deleted row and a changed blob', () => {
    const file = seeded(5);
    const raw = new Database(file);
    raw.exec('DROP TRIGGER events_no_delete; DROP TRIGGER blobs_no_update');
    raw.prepare('DELETE FROM events WHERE position = 3').run();
    raw.close();
    const store = openSqliteEventStore(file);
    expect(store.verify()).toMatchObject({ ok: false, position: 3 });
    store.close();

    const other = seeded(2);
    const withBlob = openSqliteEventStore(other);
    const sha = withBlob.putBlob('scaffold source');
    withBlob.database.exec('DROP TRIGGER blobs_no_update');
    withBlob.database.prepare("UPDATE blobs SET content = CAST('scaffold sourcE' AS BLOB) WHERE sha256 = ?").run(sha);
    expect(withBlob.verify()).toMatchObject({ ok: false, reason: expect.stringContaining(sha) });
    expect(() => withBlob.getBlob(sha)).toThrow(/changed/);
    withBlob.close();
  });

  it('two processes appending to one file lose and duplicate nothing, and the chain stays intact', async () => {
    const file = freshFile();
    openSqliteEventStore(file).close();
    const worker = ['bin/run-ts.js', 'tests/support/append-worker.ts', file];
    await Promise.all([run('node', [...worker, '200', 'p']), run('node', [...worker, '200', 'q'])]);
    const store = openSqliteEventStore(file);
    const events = store.read();
    expect(events).toHaveLength(400);
    expect(new Set(events.map((event) => event.id)).size).toBe(400);
    expect(events.map((event) => event.position)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(store.streamVersion('run-p')).toBe(200);
    expect(store.streamVersion('run-q')).toBe(200);
    expect(store.verify()).toMatchObject({ ok: true, checked: 400 });
    store.close();
  });
});
