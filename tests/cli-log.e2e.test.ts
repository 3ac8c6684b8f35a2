import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';
import { experimentCreated, logEvent } from './support/events.ts';

function logFile() {
  const file = join(mkdtempSync(join(tmpdir(), 'sia-cli-')), 'sia.db');
  const store = openSqliteEventStore(file);
  store.append('experiment-x', [experimentCreated('x')]);
  store.append('run-a', [logEvent('e1', 'a', 0), logEvent('e2', 'a', 1), logEvent('e3', 'a', 2)]);
  store.close();
  return file;
}

describe('sia events and sia verify', () => {
  it('lists events filtered by stream, after and limit, as JSON', () => {
    const db = logFile();
    const result = sia(['events', '--db', db, '--stream', 'run-a', '--after', '2', '--limit', '1', '--json']);
    expect(result.status).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.events.map((event: { id: string }) => event.id)).toEqual(['e2']);
    expect(body.next).toBe(3);
    const text = sia(['events', '--db', db]);
    expect(text.stdout.trim().split('\n')).toHaveLength(4);
    expect(text.stdout).toContain('experiment.created');
  });

  it('rejects a bad option with a message naming it and exit 2', () => {
    const result = sia(['events', '--db', logFile(), '--limit', '0']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--limit');
    const missing = sia(['verify', '--db', '/nonexistent/sia.db']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no event log');
  });

  it('exits 0 on an intact log and 3 naming the first edited position', () => {
    const db = logFile();
    expect(sia(['verify', '--db', db])).toMatchObject({ status: 0, stdout: expect.stringContaining('intact: 4 events') });
    const raw = new Database(db);
    raw.exec('DROP TRIGGER events_no_update');
    raw.prepare("UPDATE events SET data = replace(data, 'line 1', 'line X') WHERE position = 3").run();
    raw.close();
    const tampered = sia(['verify', '--db', db, '--json']);
    expect(tampered.status).toBe(3);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ ok: false, problems: [{ position: 3, reason: 'hash does not match the stored content' }] });
    expect(sia(['verify', '--db', db]).stderr).toContain('TAMPERED at position 3');
  });
});
