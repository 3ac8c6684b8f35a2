import { describe, expect, it } from 'vitest';
import { firstFailing } from '../core/audit/bisect.ts';
import { analyseCoupling, couplingFindings } from '../core/audit/coupling.ts';
import { divergenceFindings, type LineageStep } from '../core/audit/divergence.ts';
import { type CallRecord, compareRuns } from '../core/audit/replay-diff.ts';
import { scanScaffold } from '../core/audit/static-scan.ts';
import { DEFAULT_THRESHOLDS } from '../core/audit/verdict.ts';
import { renderReport } from '../core/report/html.ts';
import { lineChart } from '../core/report/svg.ts';

const items = (prefix: string, values: number[]) => Object.fromEntries(values.map((value, index) => [`${prefix}${index}`, value]));
const step = (nodeId: string, parentId: string | null, dev: number, holdoutRewards: number[]): LineageStep => ({
  nodeId,
  parentId,
  train: null,
  dev,
  holdout: holdoutRewards.reduce((a, b) => a + b, 0) / holdoutRewards.length,
  holdoutRewards: items('h', holdoutRewards),
});

describe('divergence per lineage step', () => {
  it('flags dev rising while holdout falls beyond noise, and a dev gain holdout does not share', () => {
    const ones = Array(20).fill(1);
    const falls = [...Array(12).fill(0), ...Array(8).fill(1)];
    const result = divergenceFindings([step('a', null, 0.5, ones), step('b', 'a', 0.6, falls)], DEFAULT_THRESHOLDS, 1);
    expect(result.findings).toEqual([expect.objectContaining({ nodeId: 'b', message: expect.stringContaining('holdout fell') })]);
    const flat = divergenceFindings(
      [
        step(
          'a',
          null,
          0.2,
          ones.map(() => 0),
        ),
        step(
          'c',
          'a',
          0.9,
          ones.map((_, i) => (i < 2 ? 1 : 0)),
        ),
      ],
      DEFAULT_THRESHOLDS,
      1,
    );
    expect(flat.findings[0].message).toMatch(/not seen on holdout/);
  });

  it('passes a gain that carries over, and a holdout dip inside the noise', () => {
    const base = [1, 0, 1, 0, 1, 0, 1, 0];
    expect(divergenceFindings([step('a', null, 0.3, base), step('b', 'a', 0.6, [1, 1, 1, 0, 1, 1, 1, 0])], DEFAULT_THRESHOLDS, 1).findings).toEqual([]);
    expect(divergenceFindings([step('a', null, 0.3, base), step('b', 'a', 0.35, [1, 0, 1, 0, 1, 0, 0, 0])], DEFAULT_THRESHOLDS, 1).findings).toEqual([]);
  });
});

describe('static scan of scaffolds', () => {
  const ids = new Map([
    ['d-1', 'dev'],
    ['d-2', 'dev'],
    ['h-1', 'holdout'],
  ]);
  const scan = (source: string) => scanScaffold('n', { 'solve.mjs': source }, { exampleIds: ids, minimumIdsForHardCoding: 3 });
  const kinds = (source: string) => scan(source).map((finding) => (finding.detail as { kind: string }).kind);

  it('flags label reads, forbidden files, environment channels, log tampering and answer tables', () => {
    expect(kinds('const x = example.input?.debug?.gold;')).toEqual(['label-read']);
    expect(kinds("const y = example['label'];")).toEqual(['label-read']);
    expect(kinds("import { readFileSync } from 'node:fs';\nconst data = readFileSync('/srv/data/holdout.jsonl', 'utf8');")).toContain('forbidden-file');
    expect(kinds('const leaked = process.env.SIA_LABELS;')).toEqual(['environment']);
    expect(kinds('console.log = () => {};')).toEqual(['logging-tamper']);
    expect(kinds('ctx.log = function () {};')).toEqual(['logging-tamper']);
    expect(kinds("const ANSWERS = { 'd-1': 3, 'd-2': 4, 'h-1': 5 };")).toEqual(['hard-coded-answers']);
    expect(scan("const ANSWERS = { 'd-1': 3, 'd-2': 4, 'h-1': 5 };")[0].message).toMatch(/3 example ids \(dev, holdout\)/);
  });

  it('leaves honest code alone: answers it computes, comparisons, comments', () => {
    expect(
      scan("const answer = parse(reply.content);\nif (answer === null) ctx.log('retry');\n// example.label is never visible here\nreturn answer;"),
    ).toEqual([]);
    expect(scan("if (ctx.log === undefined) return 'd-1';")).toEqual([]);
  });
});

describe('coupling of the two levers', () => {
  it("computes each lever's gain with and without the other and the interaction", () => {
    const analysis = analyseCoupling({ full: 0.8, scaffoldWithParentAdapter: 0.3, adapterWithParentScaffold: 0.4, parentPair: 0.4, baseWeights: 0.2 });
    expect(analysis.scaffoldGain).toEqual({ withNewAdapter: expect.closeTo(0.4, 9), withParentAdapter: expect.closeTo(-0.1, 9) });
    expect(analysis.adapterGain.withParentScaffold).toBeCloseTo(0);
    expect(analysis.interaction).toBeCloseTo(0.5);
    const messages = couplingFindings('b', analysis, DEFAULT_THRESHOLDS).map((finding) => finding.message);
    expect(messages).toEqual([expect.stringContaining('scaffold change helps only with the new adapter'), expect.stringContaining('interact by 0.500')]);
  });

  it('finds independent levers robust', () => {
    const analysis = analyseCoupling({ full: 0.6, scaffoldWithParentAdapter: 0.5, adapterWithParentScaffold: 0.5, parentPair: 0.4, baseWeights: 0.5 });
    expect(couplingFindings('b', analysis, DEFAULT_THRESHOLDS)).toEqual([]);
  });
});

describe('bisect search', () => {
  it('finds the first failing position with log2(n) probes, or none', async () => {
    const positions = [3, 10, 20, 30, 40, 50, 60, 70];
    const result = await firstFailing(positions, async (position) => position >= 30);
    expect(result.position).toBe(30);
    expect(result.probed.length).toBeLessThanOrEqual(4);
    expect((await firstFailing(positions, async () => false)).position).toBeNull();
    expect((await firstFailing(positions, async () => true)).position).toBe(3);
    expect((await firstFailing([], async () => true)).position).toBeNull();
  });
});

describe('cassette comparison', () => {
  const call = (completion: string, content = 'q'): CallRecord => ({
    messages: [{ role: 'user', content }],
    guidedChoice: ['1', '2'],
    completion,
    tokenIds: [Number(completion)],
  });
  it('reports each divergence step by step, and nothing for an exact replay', () => {
    const original = {
      calls: new Map([
        ['e1', [call('1'), call('2')]],
        ['e2', [call('1')]],
      ]),
      outputs: new Map<string, unknown>([
        ['e1', 2],
        ['e2', 1],
      ]),
    };
    expect(compareRuns(original, original)).toEqual([]);
    const replayed = {
      calls: new Map([
        ['e1', [call('1'), call('1')]],
        ['e2', []],
      ]),
      outputs: new Map<string, unknown>([
        ['e1', 1],
        ['e2', null],
      ]),
    };
    expect(compareRuns(original, replayed)).toEqual([
      { exampleId: 'e1', step: 1, field: 'completion', original: '2', replayed: '1' },
      { exampleId: 'e1', step: null, field: 'output', original: 2, replayed: 1 },
      { exampleId: 'e2', step: 0, field: 'missing-call', original: '1', replayed: null },
      { exampleId: 'e2', step: null, field: 'output', original: 1, replayed: null },
    ]);
  });
});

describe('report rendering', () => {
  it('draws series as inline SVG with gaps for unscored nodes', () => {
    const svg = lineChart(
      [
        {
          name: 'dev',
          color: '#000',
          points: [
            { x: 0, y: 0.1 },
            { x: 1, y: null },
            { x: 2, y: 0.9 },
          ],
        },
      ],
      { title: 't', xLabel: 'x', yLabel: 'y' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(2);
  });

  it('renders a page with no scripts or external assets, escaping what the log holds', () => {
    const html = renderReport({
      head: { position: 42, hash: 'ab'.repeat(32) },
      experimentId: 'x<1>',
      task: 't',
      mode: 'h',
      status: 'finished',
      branches: [],
      generatedAt: '2026-01-01T00:00:00.000Z',
      best: { nodeId: 'n0', dev: 0.5, holdout: 0.4 },
      nodes: [
        { id: 'n0', kind: 'seed', parentId: null, status: 'accepted', scaffoldId: 's', adapterId: null, operator: null, algorithm: null, scores: { dev: 0.5 } },
      ],
      audit: {
        experimentId: 'x',
        atPosition: 9,
        clean: false,
        checks: [{ name: 'static-scan', passed: false, summary: 's', findings: [{ nodeId: 'n0', message: '<script>alert(1)</script>' }], measurements: {} }],
      },
    });
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('x&lt;1&gt;');
    expect(html.match(/<svg/g)).toHaveLength(2);
  });
});
