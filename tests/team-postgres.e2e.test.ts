import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sia } from './support/cli.ts';
import { logEvent } from './support/events.ts';
import { dropTestSchemas, openTestPostgresStore, PG_URL, postgresUnavailable, testSchema } from './support/postgres.ts';
import { sseReader } from './support/sse.ts';

const unavailable = postgresUnavailable();

describe.skipIf(unavailable !== null)('a team log on PostgreSQL, end to end through the CLI', () => {
  afterAll(dropTestSchemas);
  const schema = testSchema();
  const url = `${PG_URL}?schema=${schema}`;
  let experimentId = '';

  it('sia run writes the whole loop to PostgreSQL (via SIA_DB) and sia verify finds it intact', () => {
    const run = sia(['run', '--task', 'lawbench', '--mode', 'w+h', '--iterations', '1', '--json'], { env: { SIA_DB: url }, timeoutMs: 240_000 });
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.status).toBe(0);
    experimentId = JSON.parse(run.stdout).experimentId;
    expect(experimentId).toMatch(/^x-/);
    const verify = sia(['verify', '--db', url]);
    expect(verify.status).toBe(0);
    expect(verify.stdout).toMatch(/^intact: \d+ events/);
  }, 300_000);

  it('sia store copy moves the log to SQLite and back with positions and hashes intact', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sia-copy-')), 'copy.db');
    const back = `${PG_URL}?schema=${testSchema()}`;
    const toFile = sia(['store', 'copy', '--from', url, '--to', file, '--json']);
    expect(toFile.status).toBe(0);
    const toBack = sia(['store', 'copy', '--from', file, '--to', back, '--json']);
    expect(toBack.status).toBe(0);
    const [first, second] = [JSON.parse(toFile.stdout), JSON.parse(toBack.stdout)];
    expect(first.events).toBeGreaterThan(100);
    expect(second).toEqual(first);
    const lineage = (db: string) => JSON.parse(sia(['lineage', experimentId, '--json', '--db', db]).stdout);
    expect(lineage(file)).toEqual(lineage(url));
    const again = sia(['store', 'copy', '--from', file, '--to', back]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/already holds \d+ events/);
  }, 120_000);

  it('sia serve reads the shared log and streams an event another process appends', async () => {
    const server = spawn('node', ['bin/sia.js', 'serve', '--db', url, '--port', '0', '--token', 'team-token'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const [line] = (await once(server.stdout, 'data')) as [Buffer];
      const base = /(http:\/\/\S+?)\/ /.exec(line.toString())?.[1];
      expect(base).toBeDefined();
      const headers = { authorization: 'Bearer team-token' };
      const experiments = await (await fetch(`${base}/api/experiments`, { headers })).json();
      expect(JSON.stringify(experiments)).toContain(experimentId);
      const stream = await fetch(`${base}/api/events/stream`, { headers });
      const events = sseReader(stream.body as ReadableStream<Uint8Array>);
      const writer = openTestPostgresStore(schema);
      writer.append('run-team', [logEvent('team-1', 'team', 0)]);
      const message = await events.next(10_000);
      expect(JSON.parse(message.data)).toMatchObject({ id: 'team-1', streamId: 'run-team', position: writer.head() });
      writer.close();
      await events.cancel();
    } finally {
      server.kill('SIGTERM');
    }
  }, 60_000);
});
