/**
 * The web UI's views on purpose-built logs (tests/support/ui-fixture.ts), in headless Chromium: the tidy lineage
 * tree at 10 and 200 nodes, the score chart's edges, the decisions table, the audit view, the metric next to
 * scores, per-item results, config-block edits, Chinese text, and the HTML report's stale-audit flag.
 * Screenshots go to tmp/ui/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { loadConfig } from '../loop/config.ts';
import { writeReport } from '../loop/report/index.ts';
import { type RunningServer, startServer } from '../server/serve.ts';
import { CASE_FACTS, type LawbenchFixture, writeBranchingExperiment, writeLawbenchExperiment } from './support/ui-fixture.ts';

const CHROMIUM = process.env.SIA_CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = !existsSync(CHROMIUM);
const SCREENSHOTS = resolve('tmp/ui');

let directory: string;
let store: EventStore;
let server: RunningServer;
let browser: Browser;
let page: Page;
let law: LawbenchFixture;
const pageErrors: string[] = [];

type Box = { id: string; left: number; right: number; top: number; bottom: number };

/** Pairs of boxes that overlap by more than half a pixel (touching is fine). */
function overlaps(boxes: Box[]): string[] {
  const sorted = boxes.slice().sort((a, b) => a.left - b.left);
  const found: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].left < sorted[i].right - 0.5; j++) {
      if (Math.min(sorted[i].bottom, sorted[j].bottom) - Math.max(sorted[i].top, sorted[j].top) > 0.5) found.push(`${sorted[i].id} × ${sorted[j].id}`);
    }
  }
  return found;
}

async function openExperiment(id: string, nodes: number): Promise<void> {
  await page.goto(`${server.url}/#/experiments/${id}`);
  await expect.poll(() => page.locator('#lineage-tree g.node').count(), { timeout: 15_000 }).toBe(nodes);
  await page.locator('#audit').waitFor({ timeout: 10_000 });
}

describe.skipIf(chromiumMissing)('web UI views in headless Chromium', () => {
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'sia-ui-views-'));
    store = openSqliteEventStore(join(directory, 'sia.db'));
    writeBranchingExperiment(store, 'tree-10', 10);
    writeBranchingExperiment(store, 'tree-200', 200);
    law = writeLawbenchExperiment(store);
    server = await startServer(store, { port: 0, stream: { pollMs: 100 } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    store?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  // A small lineage fits top-down; 200 bushy nodes would be a dozen screens wide, so they stack left to right.
  for (const [id, nodes, orientation] of [
    ['tree-10', 10, 'down'],
    ['tree-200', 200, 'across'],
  ] as const) {
    it(`lays out ${nodes} nodes as a tidy tree (${orientation}): no two nodes' labels overlap, none is cut off`, async () => {
      await openExperiment(id, nodes);
      expect(await page.locator('#lineage-tree').getAttribute('data-orientation')).toBe(orientation);
      const { boxes, svg } = await page.locator('#lineage-tree').evaluate((tree) => ({
        svg: tree.getBoundingClientRect().toJSON(),
        boxes: Array.from(tree.querySelectorAll('g.node')).map((g) => ({ id: g.getAttribute('data-node-id')!, ...g.getBoundingClientRect().toJSON() })),
      }));
      expect(overlaps(boxes)).toEqual([]);
      expect(boxes.filter((box) => box.left < svg.left || box.right > svg.right || box.top < svg.top || box.bottom > svg.bottom).map((box) => box.id)).toEqual(
        [],
      );
      // A child sits a level deeper than its parent: below it, or right of its label.
      const lineage = await (await fetch(`${server.url}/api/experiments/${id}/lineage?view=full`)).json();
      const box = new Map(boxes.map((b) => [b.id, b]));
      const deeper = (child: Box, parent: Box) => (orientation === 'down' ? child.top > parent.bottom : child.left > parent.right);
      const shallow = lineage.nodes.filter((n: { id: string; parentId: string | null }) => n.parentId && !deeper(box.get(n.id)!, box.get(n.parentId)!));
      expect(shallow).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `${id}.png`), fullPage: true });
      // The whole tree, not the panel's scrolled window of it, to look at.
      await page.locator('.panel.tree').evaluate((panel) => Object.assign((panel as HTMLElement).style, { maxHeight: 'none', overflow: 'visible' }));
      await page.screenshot({ path: join(SCREENSHOTS, `${id}-tree.png`), fullPage: true, clip: (await page.locator('#lineage-tree').boundingBox())! });
    }, 60_000);
  }

  it('draws every score point whole, the last one included, inside its panel', async () => {
    await openExperiment('tree-10', 10);
    const { dots, svg, panel } = await page.locator('#score-curves').evaluate((chart) => ({
      svg: chart.getBoundingClientRect().toJSON(),
      panel: chart.closest('.panel')!.getBoundingClientRect().toJSON(),
      dots: Array.from(chart.querySelectorAll('circle.dot')).map((dot) => dot.getBoundingClientRect().toJSON()),
    }));
    expect(dots.length).toBeGreaterThan(0);
    const inside = (box: DOMRectInit & { right: number; bottom: number }, frame: typeof box) =>
      box.x! >= frame.x! - 0.5 && box.right <= frame.right + 0.5 && box.y! >= frame.y! - 0.5 && box.bottom <= frame.bottom + 0.5;
    expect(dots.filter((dot) => !inside(dot, svg))).toEqual([]);
    expect(inside(svg, panel)).toBe(true);
  }, 30_000);

  it("says what became of each decision: verdict, gain with its interval, and the gate's reason", async () => {
    await openExperiment(law.experimentId, 4);
    const rows = page.locator('#decisions tr[data-verdict]');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-verdict')))).toEqual(['accepted', 'rejected', 'pending']);
    expect(await rows.nth(0).locator('td.gain').textContent()).toBe('+0.100 [+0.020, +0.180] 95% · dev n=20');
    expect(await rows.nth(0).locator('td.reason').textContent()).toBe(law.comparisons.shortlist.reason);
    expect(await rows.nth(1).locator('td.gain').textContent()).toBe('+0.020 [−0.060, +0.100] 95% · dev n=20');
    expect(await rows.nth(1).locator('td.reason').textContent()).toBe(law.comparisons.retries.reason);
    expect(await rows.nth(2).locator('td.reason').textContent()).toBe('awaiting evaluation');
  }, 30_000);

  it('shows the last audit, each check with its evidence, flagged stale when nodes came after it', async () => {
    await openExperiment(law.experimentId, 4);
    const audit = page.locator('#audit');
    expect(await audit.getAttribute('class')).toContain('stale');
    expect(await audit.locator('.stale-warning').textContent()).toContain('1 node added after this audit');
    expect(await audit.locator('.stale-warning a').getAttribute('href')).toBe(`#/nodes/${law.afterAuditId}`);
    expect(
      await audit.locator('#audit-checks tr[data-check]').evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td'))
            .slice(0, 2)
            .map((td) => td.textContent),
        ),
      ),
    ).toEqual([
      ['verifier-pinned', 'pass'],
      ['holdout-gap', 'FAIL'],
    ]);
    expect(await audit.locator('tr[data-check="holdout-gap"] li').textContent()).toContain('dev gain does not carry to holdout');
    await page.screenshot({ path: join(SCREENSHOTS, 'experiment-lawbench.png'), fullPage: true });

    await openExperiment('tree-10', 10);
    expect(await page.locator('#audit').getAttribute('class')).toBe('audit');
    expect(await page.locator('#audit .stale-warning').count()).toBe(0);
  }, 30_000);

  it("names the metric and its direction next to scores, on the list and the experiment's page", async () => {
    await page.goto(`${server.url}/#/`);
    await page.locator('#experiments').waitFor({ timeout: 10_000 });
    const metricOf = (id: string) => page.locator(`#experiments tr:has(a[href="#/experiments/${id}"]) td.metric`).textContent();
    expect(await metricOf(law.experimentId)).toBe('top1_accuracy ↑ higher is better');
    expect(await metricOf('tree-10')).toBe('accuracy ↑ higher is better');
    await page.screenshot({ path: join(SCREENSHOTS, 'experiments.png') });
    await openExperiment(law.experimentId, 4);
    expect(await page.locator('#metric').textContent()).toContain('top1_accuracy — higher is better ↑');
    expect(await page.locator('#score-curves .axis-title').textContent()).toBe('top1_accuracy ↑ higher is better');
  }, 30_000);

  it('shows a config-block edit as the setting that changed, per-item rewards and errors, rounded latencies, Chinese text in a CJK font', async () => {
    await page.goto(`${server.url}/#/nodes/${law.shortlistId}`);
    await page.locator('#run-items').waitFor({ timeout: 10_000 });
    expect(await page.locator('#changed-settings').textContent()).toBe('changed settings: shortlist: 0 → 3');
    expect(await page.locator('#scaffold-diff .setting').allTextContents()).toEqual(['~ shortlist: 0 → 3\n']);
    expect(await page.locator('#scaffold-diff span.del, #scaffold-diff span.add').count()).toBe(0);

    const items = await page.locator('#run-items tr[data-example]').evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('td'))
          .slice(0, 3)
          .map((td) => td.textContent),
      ),
    );
    expect(items).toEqual([
      ['dev-0', '1', ''],
      ['dev-1', '0', ''],
      ['dev-2', '0', 'timeout: solve took longer than 30000 ms'],
    ]);
    const steps = await page.locator('#run-steps table.steps').textContent();
    expect(steps).toContain('(12 ms, logprob');
    expect(steps).not.toContain('12.3456');
    expect(await page.locator('#run-steps table.steps tr td:nth-child(3)').allTextContents()).toEqual(['reward 1', 'reward 0', 'error timeout']);

    // The font Chromium really drew the case facts with (CDP), not just the CSS stack: no CJK font means boxes.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#run-steps table.steps tr:nth-child(2) td:last-child' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    expect(await page.locator('#run-steps table.steps').textContent()).toContain(CASE_FACTS);
    expect(fonts.filter((font) => /CJK/i.test(font.familyName)).reduce((sum, font) => sum + font.glyphCount, 0)).toBeGreaterThanOrEqual(
      [...CASE_FACTS].filter((char) => char.charCodeAt(0) > 0x7f).length,
    );
    await page.screenshot({ path: join(SCREENSHOTS, 'node-lawbench.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('flags a stale audit in the HTML report (sia report), and only then', async () => {
    const config = loadConfig(undefined);
    const stale = await writeReport({
      store,
      dbFile: join(directory, 'sia.db'),
      config,
      experimentId: law.experimentId,
      outDir: join(directory, 'report-law'),
    });
    const fresh = await writeReport({ store, dbFile: join(directory, 'sia.db'), config, experimentId: 'tree-10', outDir: join(directory, 'report-tree') });
    expect([stale.audited, fresh.audited]).toEqual([false, false]);
    expect(readFileSync(fresh.file, 'utf8')).not.toContain('audit-stale');
    await page.goto(`file://${stale.file}`);
    const warning = await page.locator('#audit-stale').textContent();
    expect(warning).toContain('Stale audit: 1 node added after it');
    expect(warning).toContain(law.afterAuditId);
    expect(await page.locator('#metric').textContent()).toBe('top1_accuracy (higher is better ↑)');
    await page.screenshot({ path: join(SCREENSHOTS, 'report-lawbench.png'), fullPage: true });
  }, 60_000);
});
