import { gunzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import { AuditBody, EventsPage, ExperimentDetail, ExperimentList, LineageBody, LineagePage, NodeDetail, StepsPage } from '../server/schemas.ts';
import { type ApiFixture, openApiFixture } from './support/api-fixture.ts';
import { evaluationRecorded, logEvent, runFinished, runStarted } from './support/events.ts';
import { type LineageFixture, scaffoldSource } from './support/lineage-fixture.ts';

let api: ApiFixture;
let store: EventStore;
let fixture: LineageFixture;
let app: Hono;
const get = (path: string, init?: RequestInit) => api.get(path, init);

beforeAll(() => {
  api = openApiFixture();
  ({ store, fixture, app } = api);
});
afterAll(() => api.close());

describe('lineage API through app.request()', () => {
  it('lists experiments and shows one with its settings', async () => {
    const list = ExperimentList.parse((await get('/api/experiments')).body);
    expect(list.experiments.map((e) => e.id)).toEqual([fixture.experimentId, 'unaudited']);
    expect(list.experiments[0]).toMatchObject({ nodeCount: fixture.nodeIds.length, decisionCount: 7, status: 'finished', bestNodeId: fixture.bestNodeId });
    const detail = ExperimentDetail.parse((await get(`/api/experiments/${fixture.experimentId}`)).body);
    expect(detail.experiment.nodeIds).toEqual(fixture.nodeIds);
    expect(detail.created).toMatchObject({ task: { id: 'gsm8k' }, mode: 'w+h' });
  });

  it('answers the lineage with statuses, kinds, iterations and scores, and as of a past position', async () => {
    const lineage = LineageBody.parse((await get(`/api/experiments/${fixture.experimentId}/lineage?view=full`)).body);
    expect(lineage.nodes.map((n) => n.id)).toEqual(fixture.nodeIds);
    expect(lineage.nodes.filter((n) => n.status === 'rejected').map((n) => n.id)).toEqual(fixture.rejectedNodeIds);
    expect(lineage.nodes.filter((n) => n.kind === 'weights').map((n) => n.id)).toEqual(fixture.weightNodeIds);
    expect(lineage.nodes.map((n) => n.iteration)).toEqual(fixture.nodeIds.map((_, i) => i));
    for (const node of lineage.nodes) expect(Object.keys(node.scores).sort()).toEqual(['dev', 'holdout', 'train']);

    const third = lineage.nodes[2];
    const past = LineageBody.parse((await get(`/api/experiments/${fixture.experimentId}/lineage?at=${third.position}&view=full`)).body);
    expect(past.position).toBe(third.position);
    expect(past.nodes.map((n) => n.id)).toEqual(fixture.nodeIds.slice(0, 3));
    expect(past.nodes[2]).toMatchObject({ status: 'proposed', scores: {} });
    expect(past.experiment.status).toBe('running');

    const clamped = await get(`/api/experiments/${fixture.experimentId}/lineage?at=999999`);
    expect(clamped.body.position).toBe(store.head());
    expect((await get(`/api/experiments/unaudited/lineage?at=${third.position}`)).status).toBe(404);
  });

  it('pages the lineage as compact nodes by token, pinned to the first page’s position, gzipped when asked', async () => {
    const path = `/api/experiments/${fixture.experimentId}/lineage`;
    const full = LineageBody.parse((await get(`${path}?view=full`)).body);
    const ids: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page = LineagePage.parse((await get(`${path}?limit=3${token ? `&page_token=${token}` : ''}`)).body);
      if (pages === 0) store.append('run-noise', [logEvent(`noise-page-${Date.now()}`, 'noise', 0)]); // later pages keep the first one's position
      expect(page.position).toBe(store.head() - 1);
      expect(page.experiment).toMatchObject({ id: fixture.experimentId, nodeCount: fixture.nodeIds.length, decisionCount: 7 });
      for (const node of page.nodes) {
        expect(Object.keys(node).sort()).toEqual(['algorithm', 'comparison', 'id', 'iteration', 'kind', 'parentId', 'position', 'scores', 'status']);
        const { id, parentId, kind, status, comparison, algorithm, scores, iteration, position } = full.nodes.find((n) => n.id === node.id)!;
        expect(node).toEqual({ id, parentId, kind, status, comparison, algorithm, scores, iteration, position });
      }
      ids.push(...page.nodes.map((node) => node.id));
      token = page.next_page_token;
      pages += 1;
    } while (token && pages < 10);
    expect(pages).toBe(Math.ceil(fixture.nodeIds.length / 3));
    expect(ids).toEqual(fixture.nodeIds);

    const past = LineagePage.parse((await get(`${path}?at=${full.nodes[2].position}`)).body);
    expect(past.nodes.map((node) => node.id)).toEqual(fixture.nodeIds.slice(0, 3));

    const zipped = await app.request(`${path}?limit=1000`, { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const plain = await (await app.request(`${path}?limit=1000`)).text();
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString('utf8')).toBe(plain);
  });

  it('refuses page tokens it did not give for that list with a one-line 400', async () => {
    const first = LineagePage.parse((await get(`/api/experiments/${fixture.experimentId}/lineage?limit=2`)).body);
    const list = ExperimentList.parse((await get('/api/experiments?limit=1')).body);
    expect(list.experiments.map((e) => e.id)).toEqual([fixture.experimentId]);
    const rest = ExperimentList.parse((await get(`/api/experiments?limit=1&page_token=${list.next_page_token}`)).body);
    expect(rest.experiments.map((e) => e.id)).toEqual(['unaudited']);
    expect(rest.next_page_token).toBeNull();
    for (const path of [
      `/api/experiments/unaudited/lineage?page_token=${first.next_page_token}`,
      `/api/experiments?page_token=${first.next_page_token}`,
      `/api/experiments/${fixture.experimentId}/lineage?page_token=not-a-token`,
      `/api/experiments/${fixture.experimentId}/lineage?view=full&page_token=${first.next_page_token}`,
    ]) {
      const refused = await get(path);
      expect(refused.status).toBe(400);
      expect(refused.body.field).toBe('page_token');
      expect(refused.body.message).not.toMatch(/\n/);
    }
  });

  it('shows a harness node with its diff and files, and a weight node with its adapter manifest', async () => {
    const harnessId = fixture.nodeIds.find((id, i) => i > 0 && !fixture.weightNodeIds.includes(id))!;
    const harness = NodeDetail.parse((await get(`/api/nodes/${harnessId}`)).body);
    expect(harness.node.kind).toBe('harness');
    expect(harness.scaffold.diff).toMatch(/^\+.*samples|^-.*samples/m);
    const prompt = harness.scaffold.files.find((file) => file.path === 'prompt.txt')!;
    expect(prompt.content).toContain('Answer with the final number only.');
    expect(harness.runs.map((run) => run.split)).toEqual(['train', 'dev', 'holdout']);
    expect(harness.runs.find((run) => run.split === 'dev')!.score).toBe(harness.node.scores.dev);

    const weights = NodeDetail.parse((await get(`/api/nodes/${fixture.weightNodeIds[0]}`)).body);
    expect(weights.scaffold.diff).toBe('');
    expect(weights.scaffold.scaffoldId).toBe(weights.node.scaffoldId);
    expect(weights.adapter).toMatchObject({ adapterId: weights.node.adapterId, manifest: { adapterId: weights.node.adapterId, rank: 4 } });
    const seed = NodeDetail.parse((await get(`/api/nodes/${fixture.nodeIds[0]}`)).body);
    expect(seed.adapter).toBeNull();
    expect(Object.fromEntries(seed.scaffold.files.map((file) => [file.path, file.content]))).toEqual(scaffoldSource(1, 0.7, 'Think step by step.'));
  });

  it('pages through a run’s steps with a cursor', async () => {
    const runId = fixture.runIds[4];
    const seen: number[] = [];
    let after = 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = StepsPage.parse((await get(`/api/runs/${runId}/steps?after=${after}&limit=4`)).body);
      seen.push(...page.steps.map((step) => step.index));
      after = page.next;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await get('/api/runs/no-such-run/steps')).status).toBe(404);
  });

  it('pages through the whole log by cursor without gaps or repeats, and filters by stream and type', async () => {
    const positions: number[] = [];
    let after = 0;
    for (let pages = 0; pages < 100; pages++) {
      const page = EventsPage.parse((await get(`/api/events?after=${after}&limit=37`)).body);
      positions.push(...page.events.map((event) => event.position));
      after = page.next;
      if (!page.hasMore) break;
    }
    expect(positions).toEqual(Array.from({ length: store.head() }, (_, i) => i + 1));
    const finished = await get(`/api/events?types=run.finished,experiment.finished&stream=run-${fixture.runIds[0]}`);
    expect(finished.body.events.map((e: { type: string }) => e.type)).toEqual(['run.finished']);
  });

  it('returns the latest audit, or 404 saying none was made', async () => {
    const audit = AuditBody.parse((await get(`/api/experiments/${fixture.experimentId}/audit`)).body);
    expect(audit.audit.checks.map((check) => check.name)).toContain('holdout-gap');
    const none = await get('/api/experiments/unaudited/audit');
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/has not been audited yet/);
  });
});

describe('request validation and errors', () => {
  it.each([
    ['/api/experiments/bad%20id', 400, 'id'],
    ['/api/experiments/exp-demo/lineage?at=-1', 400, 'at'],
    ['/api/experiments/exp-demo/lineage?at=soon', 400, 'at'],
    ['/api/experiments/exp-demo/lineage?when=3', 400, 'when'],
    ['/api/events?after=1.5', 400, 'after'],
    ['/api/events?limit=0', 400, 'limit'],
    ['/api/events?limit=5000', 400, 'limit'],
    ['/api/events?types=run.exploded', 400, 'types.0'],
    ['/api/runs/r1/steps?cursor=3', 400, 'cursor'],
  ])('GET %s → %i naming %s', async (path, status, field) => {
    const { status: got, body } = await get(path);
    expect(got).toBe(status);
    expect(body).toMatchObject({ error: 'ValidationError', field });
    expect(body.message).toContain(field);
  });

  it('answers unknown ids and routes with JSON 404s', async () => {
    for (const path of ['/api/experiments/nope', '/api/nodes/nope', '/api/experiments/nope/audit', '/api/nowhere']) {
      const { status, body } = await get(path);
      expect([path, status]).toEqual([path, 404]);
      expect(body.message).toMatch(/nope|nowhere/);
    }
  });
});

describe('lineage caching', () => {
  it('answers 304 while the lineage is unchanged and a fresh body once a run changes it', async () => {
    const page = `/api/experiments/${fixture.experimentId}/lineage?limit=2`;
    const pageTag = (await app.request(page)).headers.get('etag')!;
    expect((await app.request(page, { headers: { 'if-none-match': pageTag } })).status).toBe(304);
    const path = `/api/experiments/${fixture.experimentId}/lineage?view=full`;
    const first = await app.request(path);
    const etag = first.headers.get('etag')!;
    expect((await app.request(path, { headers: { 'if-none-match': etag } })).status).toBe(304);

    store.append('run-noise', [logEvent('noise-1', 'noise', 0)]); // moves the head, not the lineage
    const moved = await get(path);
    expect(moved.body.position).toBe(store.head());
    expect(moved.response.headers.get('etag')).toBe(etag);

    const [nodeId] = fixture.nodeIds;
    store.append('run-rescore', [
      runStarted(fixture.experimentId, 'rescore', nodeId, 'dev'),
      runFinished(fixture.experimentId, 'rescore', nodeId, 'dev', 0.987),
    ]);
    store.append(`experiment-${fixture.experimentId}`, [evaluationRecorded(fixture.experimentId, 'rescore', nodeId, 'dev', 0.987)]);
    const changed = await app.request(path, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await app.request(page, { headers: { 'if-none-match': pageTag } })).status).toBe(200);
    const body = LineageBody.parse(await changed.json());
    expect(body.nodes[0].scores.dev).toBe(0.987);
  });
});
