/**
 * The web UI in headless Chromium on a run's database: the experiment list, the lineage tree, the score
 * curves, a live update through SSE, and a node page with its diff and steps. Screenshots go to out/server-ui/.
 * By default it runs on the database of a real `sia run` (offline w+h on gsm8k, made in beforeAll);
 * SIA_E2E_DB=path/to/sia.db runs it on that database instead (a copy; the original is never written).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { type RunningServer, startServer } from '../server/serve.ts';
import { sia } from './support/cli.ts';

const CHROMIUM = process.env.SIA_CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing) console.log(`server-ui.e2e: skipped — no Chromium at ${CHROMIUM} (install Debian's \`chromium\`, or set SIA_CHROMIUM)`);
const SCREENSHOTS = resolve('out/server-ui');
/** The UI is served as `sia serve` serves it: behind a token, opened once through the printed link. */
const TOKEN = 'ui-e2e-token';

let directory: string;
let store: EventStore;
let server: RunningServer;
let browser: Browser;
let page: Page;
let experimentId: string;
const pageErrors: string[] = [];

async function copyOf(source: string, target: string): Promise<void> {
  const original = openSqliteEventStore(source, { readonly: true });
  try {
    await original.database.backup(target);
  } finally {
    original.close();
  }
}

const api = async (path: string) => (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();

describe.skipIf(chromiumMissing)('web UI in headless Chromium', () => {
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sia-server-ui-'));
    const file = join(directory, 'sia.db');
    if (process.env.SIA_E2E_DB) await copyOf(process.env.SIA_E2E_DB, file);
    else {
      const run = sia(['run', '--task', 'gsm8k', '--mode', 'w+h', '--iterations', '3', '--db', file]);
      if (run.status !== 0) throw new Error(`sia run failed: ${run.stderr}`);
    }
    store = openSqliteEventStore(file);
    const { experiments } = await startServer(store, { port: 0, token: TOKEN, stream: { pollMs: 100 } }).then(
      (running) => ((server = running), api('/api/experiments')),
    );
    experimentId = experiments[experiments.length - 1].id;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('lists experiments, draws the lineage tree and the score curves', async () => {
    await page.goto(`${server.url}/?token=${TOKEN}`);
    expect(new URL(page.url()).search).toBe(''); // the token left the address bar for an HttpOnly cookie
    await page.locator(`#experiments a[href="#/experiments/${experimentId}"]`).click();
    const lineage = await api(`/api/experiments/${experimentId}/lineage?view=full`);
    const tree = page.locator('#lineage-tree');
    await expect.poll(() => tree.locator('g.node').count(), { timeout: 10_000 }).toBe(lineage.nodes.length);

    const rejected = lineage.nodes.filter((node: { status: string }) => node.status === 'rejected');
    expect(await tree.locator('g.node.rejected').count()).toBe(rejected.length);
    const weightEdges = lineage.nodes.filter((node: { kind: string; parentId: string | null }) => node.kind === 'weights' && node.parentId).length;
    expect(await tree.locator('path.edge.weights').count()).toBe(weightEdges);
    if (weightEdges)
      expect(
        await tree
          .locator('path.edge.weights')
          .first()
          .evaluate((edge) => getComputedStyle(edge).strokeDasharray),
      ).not.toBe('none');
    if (rejected.length) {
      const fills = await Promise.all(
        ['g.node.rejected circle', 'g.node:not(.rejected) circle'].map((selector) =>
          tree
            .locator(selector)
            .first()
            .evaluate((c) => getComputedStyle(c).fill),
        ),
      );
      expect(fills[0]).not.toBe(fills[1]);
    }

    const box = await tree.boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    const keptWithDev = lineage.nodes.filter(
      (node: { status: string; scores: { dev?: number } }) => node.status !== 'rejected' && node.scores.dev !== undefined,
    ).length;
    const devCurve = page.locator('#score-curves polyline[data-split="dev"]');
    expect((await devCurve.getAttribute('points'))!.trim().split(/\s+/)).toHaveLength(keptWithDev);
    expect(await page.locator('#score-curves circle.dot').count()).toBeGreaterThan(0);

    const screenshot = join(SCREENSHOTS, 'lineage.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`server-ui.e2e: lineage screenshot at ${screenshot}`);
  }, 30_000);

  it('redraws the tree when the run appends a node (SSE)', async () => {
    const lineage = await api(`/api/experiments/${experimentId}/lineage?view=full`);
    const parent = lineage.nodes[lineage.nodes.length - 1];
    const nodeId = `${experimentId}-live-node`;
    const writer = openSqliteEventStore(join(directory, 'sia.db'));
    try {
      writer.append(`experiment-${experimentId}`, [
        {
          id: `${nodeId}-proposed`,
          type: 'scaffold.proposed',
          data: {
            experimentId,
            nodeId,
            parentNodeId: parent.id,
            scaffoldId: parent.scaffoldId,
            parentScaffoldId: parent.scaffoldId,
            adapterId: parent.adapterId,
            files: {},
            entry: 'solve.mjs',
            author: 'feedback',
            rationale: 'appended by the browser test',
            diff: '',
            promptHash: null,
            operator: null,
          },
        },
      ]);
    } finally {
      writer.close();
    }
    await page.locator(`#lineage-tree g.node[data-node-id="${nodeId}"]`).waitFor({ timeout: 10_000 });
    expect(await page.locator('#live').textContent()).toBe('live');
  }, 30_000);

  it('opens a node page with the scaffold diff and the run’s steps', async () => {
    const lineage = await api(`/api/experiments/${experimentId}/lineage?view=full`);
    const edited = lineage.nodes.find((node: { kind: string; runIds: string[] }) => node.kind === 'harness' && node.runIds.length) ?? lineage.nodes[0];
    await page.locator(`#lineage-tree g.node[data-node-id="${edited.id}"]`).click();
    await page.locator('#run-steps table.steps').waitFor({ timeout: 10_000 });
    if (edited.kind === 'harness') expect(await page.locator('#scaffold-diff span.add, #scaffold-diff span.setting').count()).toBeGreaterThan(0);
    expect(await page.locator('#run-steps table.steps tr').count()).toBeGreaterThan(1);
    const detail = await api(`/api/nodes/${edited.id}`);
    expect(await page.locator('#scaffold-files summary').allTextContents()).toEqual(
      detail.scaffold.files.map((file: { path: string }) => expect.stringContaining(file.path)),
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'node-top.png') });
    const screenshot = join(SCREENSHOTS, 'node.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`server-ui.e2e: node screenshot at ${screenshot}`);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('shows on a node page the decisions taken from it and what evidence the Feedback-Agent saw', async () => {
    const lineage = await api(`/api/experiments/${experimentId}/lineage?view=full`);
    const seed = lineage.nodes[0];
    const detail = await api(`/api/nodes/${seed.id}`);
    expect(detail.decisions.length).toBeGreaterThan(0);
    await page.goto(`${server.url}/#/nodes/${encodeURIComponent(seed.id)}`);
    await page.locator('#evidence').waitFor({ timeout: 10_000 });
    expect(await page.locator('#evidence tr').count()).toBe(detail.decisions.length + 1);
    expect(await page.locator('#evidence').textContent()).toContain('offline agent: reads the structured context whole');
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
