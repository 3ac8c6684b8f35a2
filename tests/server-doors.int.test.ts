import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { servingGateway } from '../gateway/serving.ts';
import { type RunningServer, startServer } from '../server/serve.ts';

/** Every door of `sia serve` over a real socket: token, body size, content type, origin, IPv6 loopback. */
const TOKEN = 'doors-token';
const MB = 1024 * 1024;
let directory: string;
let store: EventStore;
let server: RunningServer;
const chat = JSON.stringify({ model: 'policy', messages: [{ role: 'user', content: 'Which?' }], guided_choice: ['a', 'b'] });
const auth = { authorization: `Bearer ${TOKEN}` };
const steps = () => store.read({ types: ['run.step_recorded'] }).length;

/** POSTs `totalBytes` in 1 MiB chunks (declared up front, or chunked), stopping as soon as the server answers. */
function hugePost(url: string, totalBytes: number, declareLength: boolean): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    const chunk = Buffer.alloc(MB, 0x20);
    const headers = { ...auth, 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(totalBytes) } : {}) };
    const req = request(url, { method: 'POST', headers }, (response) => {
      let body = '';
      response.on('data', (data) => (body += data));
      response.on('end', () => {
        req.destroy();
        resolve({ status: response.statusCode!, body, sentBytes });
      });
    });
    req.on('error', (error) => (sentBytes > 0 ? undefined : reject(error)));
    const pump = () => {
      while (sentBytes < totalBytes && !req.destroyed) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sia-doors-'));
  const db = join(directory, 'sia.db');
  store = openSqliteEventStore(db);
  server = await startServer(store, { port: 0, token: TOKEN, gateway: await servingGateway(store, db) });
});
afterAll(async () => {
  await server.close();
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('sia serve doors', () => {
  it("needs the token on the API and on the gateway, refusing /v1 in OpenAI's error shape", async () => {
    expect((await fetch(`${server.url}/api/experiments`)).status).toBe(401);
    const refused = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error).toMatchObject({ type: 'authentication_error', param: 'Authorization', code: 'Unauthorized' });
    const before = steps();
    const accepted = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: chat });
    expect(accepted.status).toBe(200);
    expect(steps()).toBe(before + 1);
  });

  it('answers a 200 MB POST with a 413 whether its length is declared or chunked, recording nothing', async () => {
    const before = steps();
    const declared = await hugePost(`${server.url}/v1/chat/completions`, 200 * MB, true);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.param).toBe('body');
    const chunked = await hugePost(`${server.url}/v1/chat/completions`, 200 * MB, false);
    expect(chunked.status).toBe(413);
    expect(chunked.sentBytes).toBeLessThan(200 * MB);
    expect(steps()).toBe(before);
    expect((await fetch(`${server.url}/api/experiments`, { headers: auth })).status).toBe(200);
  });

  it('refuses a POST that is not JSON, and a cross-origin text/plain POST even with the token', async () => {
    const before = steps();
    const plain = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: chat });
    expect(plain.status).toBe(415);
    expect((await plain.json()).error.param).toBe('Content-Type');
    const crossOrigin = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: chat,
    });
    expect(crossOrigin.status).toBe(403);
    expect((await crossOrigin.json()).error.param).toBe('Origin');
    const crossOriginRead = await fetch(`${server.url}/api/experiments`, { headers: { ...auth, origin: 'http://localhost:1' } });
    expect(crossOriginRead.status).toBe(403);
    expect(steps()).toBe(before);
    const sameOrigin = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json; charset=utf-8', origin: server.url },
      body: chat,
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('binds to [::1] and to ::1, serving over IPv6 loopback', async () => {
    for (const host of ['[::1]', '::1']) {
      const v6 = await startServer(store, { host, port: 0, token: TOKEN });
      try {
        expect(v6.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
        expect((await fetch(`${v6.url}/api/experiments`, { headers: auth })).status).toBe(200);
        expect((await fetch(`${v6.url}/api/experiments`)).status).toBe(401);
      } finally {
        await v6.close();
      }
    }
  });

  it('without a token, serves loopback only and refuses foreign Host headers', async () => {
    await expect(startServer(store, { host: '0.0.0.0', port: 0, token: null })).rejects.toMatchObject({ field: '--no-token' });
    const open = await startServer(store, { host: '127.0.0.1', port: 0, token: null });
    try {
      expect((await fetch(`${open.url}/api/experiments`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
