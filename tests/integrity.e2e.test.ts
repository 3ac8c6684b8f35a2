/**
 * Tampering with a log through the database file, as an attacker with write access would, and what `sia verify`
 * says: each mode with its exact exit code and first line. The fixture log is written by the real store.
 */

import { copyFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hashing.ts';
import { lineageProjection } from '../core/projections/lineage.ts';
import { chainHash, openSqliteEventStore, project } from '../core/store/index.ts';
import { sia } from './support/cli.ts';
import { writeLineageFixture } from './support/lineage-fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'sia-integrity-e2e-'));
const pristine = join(dir, 'pristine.db');
let head = '';
let experimentId = '';

beforeAll(() => {
  const store = openSqliteEventStore(pristine);
  experimentId = writeLineageFixture(store, { iterations: 3, examplesPerRun: 2 }).experimentId;
  project(store, lineageProjection);
  head = `${store.head()}:${store.hashAt(store.head())}`;
  store.close();
});

/** A copy of the fixture log with `tamper` applied to its SQLite file directly (triggers dropped first). */
function tampered(name: string, tamper: (db: Database.Database) => void): string {
  const file = join(dir, `${name}.db`);
  copyFileSync(pristine, file);
  const db = new Database(file);
  for (const trigger of ['events_no_update', 'events_no_delete', 'blobs_no_update', 'blobs_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${trigger}`);
  tamper(db);
  db.close();
  return file;
}

/** Rewrites every row's hash from `from` on, as a script that knows the algorithm would. */
function rechain(db: Database.Database): void {
  const rows = db
    .prepare(
      'SELECT position, event_id AS eventId, stream_id AS streamId, stream_version AS streamVersion, type, schema_version AS schemaVersion, data, metadata, recorded_at AS recordedAt FROM events ORDER BY position',
    )
    .all() as Parameters<typeof chainHash>[1][];
  let previous = '';
  const update = db.prepare('UPDATE events SET hash = ? WHERE position = ?');
  for (const row of rows) {
    previous = chainHash(previous, row);
    update.run(previous, row.position);
  }
}

const verify = (file: string, ...extra: string[]) => sia(['verify', '--db', file, ...extra]);

describe('sia verify against tampering', () => {
  it('passes the untouched log and prints its head', () => {
    const result = verify(pristine);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`intact: ${head.split(':')[0]} events, head ${head}`);
    expect(verify(pristine, '--head', head).status).toBe(0);
  });

  it('detects the last rows deleted (truncation), with and without an anchor', () => {
    const file = tampered('truncated', (db) => db.exec('DELETE FROM events WHERE position > (SELECT max(position) - 10 FROM events)'));
    const result = verify(file);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^TAMPERED: stream \S+ is at version \d+ but the log holds \d+ of its events \(rows deleted\?\)/);
    const anchored = verify(file, '--head', head);
    expect(anchored.status).toBe(3);
    expect(anchored.stderr).toContain(`the anchored head ${head.split(':')[0]} is past the end of the log`);
  });

  it('a recomputed chain passes without an anchor and fails against one', () => {
    const file = tampered('rechained', (db) => {
      db.exec(`UPDATE events SET data = replace(data, '"reward":1', '"reward":0') WHERE type = 'reward.recorded'`);
      rechain(db);
    });
    expect(verify(file).status).toBe(0);
    const anchored = verify(file, '--head', head);
    expect(anchored.status).toBe(3);
    expect(anchored.stderr).toMatch(new RegExp(`^TAMPERED at position ${head.split(':')[0]}: the log no longer holds the anchored prefix`));
  });

  it('ignores a checkpoint edited in place (readers refold), and fails a forged one that passes its own checks', () => {
    const lineage = (file: string) => JSON.parse(sia(['lineage', experimentId, '--json', '--db', file]).stdout);
    const before = lineage(pristine);
    const edited = tampered('checkpoint', (db) => db.exec(`UPDATE checkpoints SET state = replace(state, '0.', '0.0')`));
    expect(lineage(edited)).toEqual(before);
    const result = verify(edited);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^note: checkpoint lineage@\d+ at \d+ is ignored by readers: its state does not match its digest/m);
    const forged = tampered('forged', (db) => {
      const row = db.prepare('SELECT state FROM checkpoints').get() as { state: string };
      const bound = JSON.parse(row.state);
      const state = JSON.stringify({ ...JSON.parse(bound.state), experiments: {} });
      db.prepare('UPDATE checkpoints SET state = ?').run(JSON.stringify({ ...bound, state, digest: sha256Hex(state) }));
    });
    const caught = verify(forged);
    expect(caught.status).toBe(3);
    expect(caught.stderr).toMatch(
      /^TAMPERED at position \d+: checkpoint lineage@\d+ passes its own checks but differs from the events it claims to fold \(forged\)/,
    );
  });

  it('calls a zero-byte file, a junk file and another program\'s SQLite file "not a sia log", and writes nothing into them', () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const result = verify(empty);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`^sia: NotASiaLogError: ${empty} is not a sia log \\(an empty file\\)`));
    expect(statSync(empty).size).toBe(0);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'junk\n');
    expect(verify(junk).stderr).toMatch(/is not a SQLite file, so not a sia log/);
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE notes (text TEXT)');
    const events = sia(['events', '--db', other]);
    expect(events.status).toBe(3);
    expect(events.stderr).toMatch(/is not a sia log: it is a SQLite file with other tables \(notes\)/);
    const tables = new Database(other).prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['notes']);
    const missingDir = sia(['run', '--task', 'gsm8k', '--db', join(dir, 'no-such-dir', 'sia.db')]);
    expect(missingDir.status).toBe(2);
    expect(missingDir.stderr.trim().split('\n')[0]).toBe(
      `sia: NotFoundError: cannot create ${join(dir, 'no-such-dir', 'sia.db')}: its directory ${join(dir, 'no-such-dir')} does not exist`,
    );
    expect(missingDir.stderr).not.toMatch(/\n\s+at /);
  });

  it('detects a deleted blob an event refers to; replay and audit refuse before appending anything', () => {
    const file = tampered('blob', (db) => db.exec('DELETE FROM blobs WHERE rowid = (SELECT min(rowid) FROM blobs)'));
    const result = verify(file);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^TAMPERED at position \d+: blob [0-9a-f]{64} it refers to is missing/);
    const count = () => new Database(file, { readonly: true }).prepare('SELECT count(*) FROM events').pluck().get() as number;
    const before = count();
    const node = new Database(file, { readonly: true })
      .prepare("SELECT json_extract(data, '$.nodeId') FROM events WHERE type = 'scaffold.proposed' LIMIT 1")
      .pluck()
      .get() as string;
    for (const args of [
      ['replay', node, '--split', 'dev'],
      ['audit', experimentId],
    ]) {
      const refused = sia([...args, '--db', file]);
      expect(refused.status, args[0]).toBe(3);
      expect(refused.stderr).toMatch(/needs blob [0-9a-f]{64} \(referred to by \S+ at position \d+\), and the log no longer holds it/);
    }
    expect(count()).toBe(before);
  });

  it('refuses a log from a newer sia: a newer migration (exit 5) or a newer event schema (exit 3)', () => {
    const migrated = tampered('migration', (db) => db.exec(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 4102444800000)`));
    const refused = verify(migrated);
    expect(refused.status).toBe(5);
    const known = JSON.parse(readFileSync('migrations/meta/_journal.json', 'utf8')).entries.length;
    expect(refused.stderr).toMatch(
      new RegExp(`^sia: VersionError: \\S+ was written by a newer sia \\(schema migration ${known + 1}; this sia knows ${known}\\)`),
    );
    expect(sia(['run', '--task', 'gsm8k', '--db', migrated]).status).toBe(5);
    const newer = tampered('schema', (db) => {
      db.exec(`UPDATE events SET schema_version = 99 WHERE position = (SELECT max(position) FROM events)`);
      rechain(db);
    });
    const result = verify(newer);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^TAMPERED at position \d+: event \S+ v99 is newer than this sia knows \(v\d\)/);
  });
});
