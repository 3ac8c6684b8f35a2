import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { readOnlyView } from '../server/read-model.ts';
import { type ApiFixture, openApiFixture } from './support/api-fixture.ts';
import { experimentCreated } from './support/events.ts';

let api: ApiFixture;
beforeAll(() => {
  api = openApiFixture();
});
afterAll(() => api.close());

describe('the API cannot write to the log', () => {
  it('refuses every writing method and leaves the log as it was', async () => {
    const head = api.store.head();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/api/experiments', `/api/experiments/${api.fixture.experimentId}`, '/api/events', '/']) {
        const response = await api.app.request(path, { method, body: '{}', headers: { 'content-type': 'application/json' } });
        expect([method, path, response.status]).toEqual([method, path, 405]);
      }
    }
    expect(api.store.head()).toBe(head);
    expect(api.store.verify().ok).toBe(true);
  });

  it('hands routes a view whose writing methods throw', () => {
    const view = readOnlyView(api.store);
    expect(() => view.append('x', [experimentCreated('x')])).toThrow(/read-only/);
    expect(() => view.putBlob('x')).toThrow(/read-only/);
    expect(() => view.saveCheckpoint('lineage@1', 1, '{}')).toThrow(/read-only/);
  });
});

describe('auth, host guard, gateway mount, OpenAPI', () => {
  it('needs the bearer token on every route when one is set, and trades ?token= for a cookie on /', async () => {
    const gateway = new Hono().get('/models', (c) => c.json({ data: [{ id: 'policy' }] }));
    const secured = createApp({ store: api.store, token: 's3cret', gateway });
    for (const path of ['/api/experiments', '/', '/ui/app.js', '/api/openapi.json', '/v1/models']) {
      expect((await secured.request(path)).status).toBe(401);
      expect((await secured.request(path, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await secured.request(path, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    }
    const exchange = await secured.request('/?token=s3cret');
    expect(exchange.status).toBe(303);
    const cookie = exchange.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect((await secured.request('/api/experiments', { headers: { cookie: cookie.split(';')[0] } })).status).toBe(200);
  });

  it('without a token, refuses Host headers that are not loopback (DNS rebinding)', async () => {
    expect((await api.app.request('/api/experiments', { headers: { host: 'evil.example:4600' } })).status).toBe(403);
    expect((await api.app.request('/api/experiments', { headers: { host: '127.0.0.1:4600' } })).status).toBe(200);
  });

  it('describes every contract route with the zod types in /api/openapi.json', async () => {
    const { body } = await api.get('/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    const contract = [
      '/api/experiments',
      '/api/experiments/{id}',
      '/api/experiments/{id}/lineage',
      '/api/nodes/{id}',
      '/api/runs/{id}/steps',
      '/api/events',
      '/api/events/stream',
      '/api/experiments/{id}/audit',
      '/api/experiments/{id}/metric',
      '/api/runs/{id}/items',
      '/api/experiments/{id}/audit-status',
      '/api/openapi.json',
      '/',
    ];
    expect(Object.keys(body.paths).sort()).toEqual(contract.sort());
    const lineage = body.paths['/api/experiments/{id}/lineage'].get;
    expect(lineage.parameters.map((p: { name: string }) => p.name)).toEqual(['id', 'at', 'limit', 'page_token', 'view']);
    const [compact, whole] = lineage.responses[200].content['application/json'].schema.anyOf;
    expect(compact.properties).toHaveProperty('next_page_token');
    expect(whole.properties.nodes.items.properties).toHaveProperty('rationale');
    expect(body.paths['/api/events/stream'].get.parameters.map((p: { name: string }) => p.name)).toContain('Last-Event-ID');
  });

  it('serves the UI files with a policy that allows no other origin', async () => {
    const page = await api.app.request('/');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect((await api.app.request('/ui/tree.js')).status).toBe(200);
    expect((await api.app.request('/ui/..%2Fapp.ts')).status).toBe(404);
  });
});
