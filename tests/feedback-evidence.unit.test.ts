import { describe, expect, it } from 'vitest';
import { diffFiles } from '../core/diff.ts';
import { summarizeDiff } from '../core/diff-summary.ts';
import type { TrajectorySample } from '../core/ports/agents.ts';
import { failureKind, orderForFeedback } from '../loop/evidence.ts';
import { estimateTokens, renderEvidence } from '../plugins/providers/evidence-prompt.ts';
import { lesson } from './support/agent-fixtures.ts';

const sample = (id: string, failure: TrajectorySample['failure'], reward: number, calls = 1): TrajectorySample => ({
  exampleId: id,
  input: { text: `input of ${id} `.repeat(20) },
  expected: `label-${id}`,
  output: failure === 'unparsable' ? null : `answer-${id}`,
  reward,
  failure,
  detail: { matched: reward },
  errors: failure === 'timeout' ? ['timeout: 10000 ms'] : [],
  calls: Array.from({ length: calls }, () => ({ messages: [{ role: 'user', content: `prompt for ${id} `.repeat(200) }], completion: `completion ${id}` })),
});

describe('train evidence for the Feedback-Agent', () => {
  it('names why an item fell short: timeout, error, unparsable, wrong, partial, or nothing', () => {
    expect(failureKind(0, 'x', null, [{ kind: 'timeout' }, { kind: 'throw' }])).toBe('timeout');
    expect(failureKind(0, 'x', null, [{ kind: 'throw' }])).toBe('error');
    expect(failureKind(0, null, { verifierError: 'boom' }, [])).toBe('error');
    expect(failureKind(0, null, null, [])).toBe('unparsable');
    expect(failureKind(0, 'x', { parsed: null }, [])).toBe('unparsable');
    expect(failureKind(0, 'x', null, [])).toBe('wrong');
    expect(failureKind(0.4, 'x', null, [])).toBe('partial');
    expect(failureKind(1, 'x', null, [])).toBeNull();
    expect(failureKind(3.2, 'x', null, [])).toBeNull();
  });

  it('puts failures first, one of each kind in turn with the lowest reward first, then the successes', () => {
    const samples = [
      sample('w1', 'wrong', 0),
      sample('w2', 'wrong', 0),
      sample('w3', 'wrong', 0),
      sample('ok', null, 1),
      sample('p1', 'partial', 0.5),
      sample('p2', 'partial', 0.2),
      sample('t1', 'timeout', 0),
    ];
    expect(orderForFeedback(samples).map((s) => s.exampleId)).toEqual(['t1', 'w1', 'p2', 'w2', 'p1', 'w3', 'ok']);
  });

  it('fills a token budget in order of priority, marks cuts, counts what did not fit and reports coverage', () => {
    const trajectories = orderForFeedback([
      ...Array.from({ length: 30 }, (_, i) => sample(`w${i}`, 'wrong', 0)),
      sample('t', 'timeout', 0),
      sample('ok', null, 1),
    ]);
    const lessons = [
      lesson({ nodeId: 'n0', kind: 'seed', status: 'accepted', what: 'seed', devScore: 0.1 }),
      lesson({
        nodeId: 'n1',
        parentId: 'n0',
        kind: 'harness',
        status: 'rejected',
        what: 'edit',
        devScore: 0.09,
        operator: 'knob:shortlist=3',
        diffSummary: 'shortlist: 0 → 3',
        gate: { accepted: false, gain: -0.01, lower: -0.05, upper: 0.03, reason: 'noise' },
      }),
    ];
    const render = (tokens: number) =>
      renderEvidence({
        fixedText: 'task and scores',
        scaffold: 'export async function solve() {}',
        lessons,
        trajectories,
        budget: { tokens, fieldChars: 100, callChars: 200 },
      });
    const small = render(1500);
    const large = render(400_000);
    expect(small.coverage.itemsShown).toBeGreaterThan(1);
    expect(small.coverage.itemsShown).toBeLessThan(32);
    expect(small.coverage.promptTokens).toBeLessThanOrEqual(1500);
    expect(small.trajectories.split('\n')[0]).toBe('- t: timeout, reward 0');
    expect(small.trajectories).toContain('[cut: ');
    expect(small.omitted).toMatch(new RegExp(`^${32 - small.coverage.itemsShown} train items not shown \\(wrong \\d+, correct 1\\)`));
    expect(small.coverage.failureKindsShown).toEqual(['timeout', 'wrong']);
    expect(small.coverage.bytesShown).toBeLessThan(large.coverage.bytesShown);
    expect(large.coverage).toMatchObject({ itemsShown: 32, itemsAvailable: 32, failureKindsAvailable: ['timeout', 'wrong'] });
    expect(large.omitted).toBe('nothing: every train item and model call is shown');
    expect(large.trajectories).toContain('expected: "label-w0"');
    expect(large.trajectories).toContain('model call 1:');
    expect(large.lessons).toBe(
      [
        '- n0 [accepted] seed scaffold; dev 0.1',
        '- n1 [rejected] harness knob:shortlist=3 from n0: shortlist: 0 → 3; dev 0.09 — gate rejected: gain -0.010 [-0.050, 0.030] (noise)',
      ].join('\n'),
    );
  });

  it('estimates CJK text at about a token a character and other text at about four characters a token', () => {
    expect(estimateTokens('罪名盗窃')).toBe(4);
    expect(estimateTokens('a'.repeat(40))).toBe(10);
  });

  it('summarises a config-block edit as the changed settings and other edits as line counts', () => {
    const before = { 'solve.mjs': 'const CONFIG = { "shortlist": 0, "parser": "exact" };\nexport const x = 1;\n' };
    const after = { 'solve.mjs': 'const CONFIG = { "shortlist": 3, "parser": "exact" };\nexport const x = 2;\nexport const y = 3;\n' };
    expect(summarizeDiff(diffFiles(before, after))).toBe('shortlist: 0 → 3, solve.mjs +2 −1');
    expect(summarizeDiff('')).toBe('no change');
  });
});
