import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore } from '../core/store/index.ts';
import { runEventStoreContract } from './contracts/event-store.case.ts';
import { logEvent } from './support/events.ts';
import { dropTestSchemas, openTestPostgresStore, PG_URL, postgresUnavailable, testSchema } from './support/postgres.ts';

const run = promisify(execFile);

const unavailable = postgresUnavailable();

describe.skipIf(unavailable !== null)('PostgreSQL event store', () => {
  afterAll(dropTestSchemas);

  runEventStoreContract('postgres', () => openTestPostgresStore());

  it('refuses UPDATE, DELETE and TRUNCATE on events and blobs in the database itself', () => {
    const store = openTestPostgresStore();
    store.append('run-a', [logEvent('e1', 'a', 0)]);
    store.putBlob('x');
    for (const sql of ['UPDATE events SET data = data', 'DELETE FROM events', 'TRUNCATE events', 'UPDATE blobs SET size = 0', 'DELETE FROM blobs']) {
      expect(() => store.client.query({ sql }), sql).toThrow(/immutable/);
    }
    expect(store.verify()).toMatchObject({ ok: true, checked: 1 });
    store.close();
  });

  it('finds a row edited after the triggers were dropped, naming its position', () => {
    const store = openTestPostgresStore();
    for (let i = 0; i < 5; i++) store.append('run-a', [logEvent(`e${i}`, 'a', i)]);
    store.client.query({ sql: 'DROP TRIGGER events_immutable ON events' });
    store.client.query({ sql: "UPDATE events SET data = data || ' ' WHERE position = 3" });
    expect(store.verify()).toMatchObject({ ok: false, position: 3 });
    store.close();
  });

  it('tells a watcher about appends by another connection (LISTEN/NOTIFY)', async () => {
    const schema = `t_watch_${Date.now().toString(36)}`;
    const reader = openTestPostgresStore(schema);
    const writer = openTestPostgresStore(schema);
    const heads: number[] = [];
    const seen = new Promise<void>((resolve) => {
      const stop = reader.watch?.((head) => {
        heads.push(head);
        if (head === 2) {
          stop?.();
          resolve();
        }
      });
    });
    writer.append('run-a', [logEvent('e1', 'a', 0)]);
    writer.append('run-a', [logEvent('e2', 'a', 1)]);
    await seen;
    expect(heads).toEqual([1, 2]);
    reader.close();
    writer.close();
  });

  it('three processes appending at once, also to one shared stream, lose and duplicate nothing and keep the chain intact', async () => {
    const schema = testSchema();
    openTestPostgresStore(schema).close();
    const target = `${PG_URL}?schema=${schema}`;
    const worker = (prefix: string) => run('node', ['bin/run-ts.js', 'tests/support/append-worker.ts', target, '100', prefix, '1']);
    await Promise.all([worker('p'), worker('q'), worker('r')]);
    const store = openTestPostgresStore(schema);
    const events = store.read();
    expect(events).toHaveLength(360);
    expect(new Set(events.map((event) => event.id)).size).toBe(360);
    expect(events.map((event) => event.position)).toEqual(Array.from({ length: 360 }, (_, i) => i + 1));
    for (const prefix of ['p', 'q', 'r']) expect(store.streamVersion(`run-${prefix}`)).toBe(100);
    expect(store.read({ streamId: 'run-shared' }).map((event) => event.streamVersion)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(store.verify()).toMatchObject({ ok: true, checked: 360 });
    store.close();
  }, 60_000);

  it('a writer role granted only SELECT and INSERT on the log appends, but cannot change a row or drop the triggers', () => {
    const schema = testSchema();
    const owner = openTestPostgresStore(schema);
    owner.append('run-a', [logEvent('e1', 'a', 0)]);
    for (const sql of [
      `GRANT USAGE ON SCHEMA ${schema} TO sia_writer`,
      'GRANT SELECT, INSERT ON events, blobs TO sia_writer',
      'GRANT SELECT, INSERT, UPDATE ON streams, checkpoints TO sia_writer',
      'GRANT SELECT ON __drizzle_migrations TO sia_writer',
    ]) {
      owner.client.query({ sql });
    }
    const writer = openPostgresEventStore(PG_URL.replace('sia:sia@', 'sia_writer:sia_writer@'), { schema });
    writer.append('run-a', [logEvent('e2', 'a', 1)], { expectedVersion: 1 });
    writer.putBlob('scaffold');
    for (const sql of ['UPDATE events SET data = data', 'DELETE FROM events', 'DROP TRIGGER events_immutable ON events', 'DELETE FROM blobs']) {
      expect(() => writer.client.query({ sql }), sql).toThrow(/permission denied|must be owner/);
    }
    expect(writer.verify()).toMatchObject({ ok: true, checked: 2 });
    writer.close();
    owner.close();
  });

  it('refuses a log written by a newer sia (more schema migrations than it knows), naming both counts', () => {
    const schema = testSchema();
    const store = openTestPostgresStore(schema);
    store.client.query({ sql: "INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 4102444800000)" });
    store.close();
    expect(() => openTestPostgresStore(schema)).toThrow(/written by a newer sia: it has 3 schema migrations, this sia knows 2/);
  });
});
