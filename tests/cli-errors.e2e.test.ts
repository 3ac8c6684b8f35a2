import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';
import { experimentCreated, logEvent } from './support/events.ts';

const STACK_FRAME = /\n\s+at /;

/** A log with enough events that `sia events` writes far more than a pipe buffer (64 KiB) holds. */
function bigLog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sia-errors-'));
  const file = join(dir, 'sia.db');
  const store = openSqliteEventStore(file);
  store.append('experiment-x', [experimentCreated('x')]);
  store.append(
    'run-a',
    Array.from({ length: 3000 }, (_, index) => logEvent(`e${index}`, 'a', index, `a log line long enough to fill the pipe quickly ${index}`)),
  );
  store.close();
  return file;
}

describe('CLI errors: one line, no stack trace, the exit code of the fault', () => {
  let db: string;
  beforeAll(() => {
    db = bigLog();
  });

  it('exits 0 quietly when the reader closes the pipe (sia events | head -1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sia-pipe-'));
    const stderrFile = join(dir, 'stderr');
    const shell = spawnSync('bash', ['-c', `node bin/sia.js events --db '${db}' --limit 3000 2>'${stderrFile}' | head -1; echo "$\{PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const [firstLine, status] = shell.stdout.trim().split('\n');
    expect(firstLine).toContain('experiment.created');
    expect(status).toBe('0');
    expect(readFileSync(stderrFile, 'utf8')).toBe('');
  });

  describe('a second sia serve on a busy port', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('names the port, suggests --port and exits 2', () => {
      const result = sia(['serve', '--db', db, '--port', String(port)], { timeoutMs: 30_000 });
      expect(result.status).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`sia: ResourceBusyError: port ${port} on 127.0.0.1 is already in use (another sia serve?)`);
      expect(result.stderr).toContain(`--port ${port + 1}`);
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stdout).toBe('');
    });
  });

  it('--db in a directory that does not exist names that directory, for reads as for sia run', () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'sia-nodir-')), 'no-such-dir');
    const read = sia(['experiments', '--db', join(missing, 'sia.db')]);
    expect(read.status).toBe(2);
    expect(read.stderr.split('\n')[0]).toBe(`sia: NotFoundError: no event log at ${join(missing, 'sia.db')}: its directory ${missing} does not exist`);
    const run = sia(['run', '--task', 'gsm8k', '--db', join(missing, 'sia.db')]);
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`sia: NotFoundError: cannot create ${join(missing, 'sia.db')}: its directory ${missing} does not exist`);
    expect(run.stderr).toContain(`create the directory first (mkdir -p ${missing})`);
    for (const result of [read, run]) expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('--db naming a directory says so and suggests a file in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sia-isdir-'));
    mkdirSync(join(dir, 'logs'));
    const result = sia(['events', '--db', join(dir, 'logs')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${join(dir, 'logs')} is a directory, not an event log`);
    expect(result.stderr).toContain(`--db ${join(dir, 'logs', 'sia.db')}`);
  });

  it('sia events --type with an unknown type lists the known ones and exits 2', () => {
    const result = sia(['events', '--db', db, '--type', 'run.strated']);
    expect(result.status).toBe(2);
    const line = result.stderr.split('\n')[0];
    expect(line).toMatch(/^sia: ValidationError: --type: unknown event type run\.strated; known types: /);
    expect(line).toContain('run.started');
    expect(line).toContain('experiment.finished');
    expect(result.stdout).toBe('');
  });

  it('sia events --stream with an unknown stream says "no stream", with a hint when the prefix is missing', () => {
    const unknown = sia(['events', '--db', db, '--stream', 'run-zzz']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe('sia: NotFoundError: no stream run-zzz in this log');
    expect(unknown.stdout).toBe('');
    const bare = sia(['events', '--db', db, '--stream', 'a']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('did you mean --stream run-a?');
    const known = sia(['events', '--db', db, '--stream', 'run-a', '--limit', '2']);
    expect(known.status).toBe(0);
    expect(known.stdout.trim().split('\n')).toHaveLength(2);
  });
});
