import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { createApp } from '../server/app.ts';
import { checkBinding, type RunningServer, startServer } from '../server/serve.ts';
import { logEvent } from './support/events.ts';
import { type LineageFixture, writeLineageFixture } from './support/lineage-fixture.ts';
import { sseReader } from './support/sse.ts';

let directory: string;
let file: string;
let store: EventStore;
let fixture: LineageFixture;
const fast = { pollMs: 20, heartbeatMs: 60 };

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'sia-server-live-'));
  file = join(directory, 'sia.db');
  store = openSqliteEventStore(file);
  fixture = writeLineageFixture(store, { iterations: 4, examplesPerRun: 1 });
});
afterAll(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('SSE through app.request()', () => {
  it('replays after `after`, sends new events as they are appended, with heartbeats, and stops on cancel', async () => {
    let reads = 0;
    const counted: EventStore = { ...store, read: (options) => (reads++, store.read(options)) };
    const app = createApp({ store: counted, stream: fast });
    const head = store.head();
    const response = await app.request(`/api/events/stream?after=${head - 2}`);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const stream = sseReader(response.body!);
    expect([(await stream.next()).id, (await stream.next()).id]).toEqual([String(head - 1), String(head)]);
    store.append('run-live', [logEvent('live-1', 'live', 0, 'appended while streaming')]);
    const live = await stream.next();
    expect(live.id).toBe(String(head + 1));
    expect(JSON.parse(live.data)).toMatchObject({ type: 'run.step_recorded', data: { step: { message: 'appended while streaming' } } });
    expect(await stream.next(2000, true)).toEqual({ comment: 'heartbeat', data: '' });
    await stream.cancel();
    await new Promise((resolve) => setTimeout(resolve, 3 * fast.pollMs));
    const readsAfterCancel = reads;
    await new Promise((resolve) => setTimeout(resolve, 5 * fast.pollMs));
    expect(reads).toBe(readsAfterCancel); // the poll loop ended with the client
  });

  it('resumes after Last-Event-ID (which wins over ?after) and filters by type', async () => {
    const app = createApp({ store, stream: fast });
    const response = await app.request('/api/events/stream?after=0&types=run.finished', { headers: { 'Last-Event-ID': '10' } });
    const stream = sseReader(response.body!);
    const first = await stream.next();
    expect(Number(first.id)).toBeGreaterThan(10);
    expect(JSON.parse(first.data).type).toBe('run.finished');
    await stream.cancel();
    const bad = await app.request('/api/events/stream', { headers: { 'Last-Event-ID': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'Last-Event-ID' });
  });
});

describe('over a real socket on 127.0.0.1', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(store, { port: 0, stream: fast });
  });
  afterAll(() => server.close());

  it('answers every API route of the contract', async () => {
    const [runId] = fixture.runIds;
    const paths = [
      '/api/experiments',
      `/api/experiments/${fixture.experimentId}`,
      `/api/experiments/${fixture.experimentId}/lineage?at=20`,
      `/api/nodes/${fixture.nodeIds[1]}`,
      `/api/runs/${runId}/steps`,
      '/api/events?after=0&limit=5',
      `/api/experiments/${fixture.experimentId}/audit`,
      '/api/openapi.json',
      '/',
    ];
    for (const path of paths) {
      const response = await fetch(`${server.url}${path}`);
      expect([path, response.status]).toEqual([path, 200]);
    }
  });

  it('streams to a client that reconnects with Last-Event-ID while another connection appends', async () => {
    const writer = openSqliteEventStore(file); // another writer on the same file, as `sia run` would be
    const abort = new AbortController();
    try {
      const lastSeen = store.head();
      const response = await fetch(`${server.url}/api/events/stream`, { headers: { 'Last-Event-ID': String(lastSeen) }, signal: abort.signal });
      const stream = sseReader(response.body!);
      writer.append('run-other', [logEvent('other-1', 'other', 0), logEvent('other-2', 'other', 1)]);
      expect([(await stream.next()).id, (await stream.next()).id]).toEqual([String(lastSeen + 1), String(lastSeen + 2)]);
    } finally {
      abort.abort();
      writer.close();
    }
  });

  it('refuses to bind beyond loopback without a token', async () => {
    expect(() => checkBinding('0.0.0.0', null)).toThrow(ValidationError);
    expect(() => checkBinding('0.0.0.0', 'token')).not.toThrow();
    expect(() => checkBinding('::1', null)).not.toThrow();
    await expect(startServer(store, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ field: '--no-token' });
  });
});

describe('sia serve', () => {
  it('serves a database until SIGTERM, behind a generated token printed in a ready link', async () => {
    const child = spawn(process.execPath, ['bin/sia.js', 'serve', '--db', file, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIA_TOKEN: '' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    for (let waited = 0; !/\?token=\S+\s/.test(output) && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 100));
    const [, url, token] = /(http:\/\/\S+?)\/\?token=(\S+)/.exec(output) ?? [];
    expect(token, output).toMatch(/^[\w-]{32}$/);
    expect((await fetch(`${url}/api/experiments`)).status).toBe(401);
    const experiments = await (await fetch(`${url}/api/experiments`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(experiments.experiments[0].id).toBe(fixture.experimentId);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('exits 2 naming --no-token when asked to serve a public host without a token', async () => {
    const child = spawn(process.execPath, ['bin/sia.js', 'serve', '--db', file, '--host', '0.0.0.0', '--port', '0', '--no-token'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(errors).toMatch(/--no-token: binding to 0\.0\.0\.0/);
  });
});
