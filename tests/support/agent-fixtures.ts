/** A small scaffold with a knobs block and a Feedback context around it, shared by the agent tests. */
import type { FeedbackContext, LineageDigestEntry, TrajectorySample } from '../../core/ports/agents.ts';
import type { ScaffoldFiles } from '../../core/ports/task.ts';

export const SAMPLE_KNOBS = {
  promptStyle: ['plain', 'judge'],
  shortlist: [0, 5],
  samples: [1, 3],
  parser: ['exact', 'longest'],
};

export function sampleScaffold(): ScaffoldFiles {
  return {
    entry: 'solve.mjs',
    files: {
      'solve.mjs': [
        "import { parse } from './parse.mjs';",
        '',
        '// sia:config-begin',
        'const CONFIG = { "promptStyle": "plain", "shortlist": 0, "samples": 1, "parser": "exact" };',
        '// sia:config-end',
        '',
        'export async function solve(example, ctx) {',
        "  const reply = await ctx.llm.chat({ messages: [{ role: 'user', content: example.input.question }], guidedChoice: ['A', 'B'] });",
        '  return parse(reply.content, CONFIG.parser);',
        '}',
        '',
      ].join('\n'),
      'parse.mjs': 'export function parse(text, mode) {\n  return mode === "exact" ? text.trim() : text;\n}\n',
    },
  };
}

export function trajectory(index: number, reward: number, output: unknown = reward > 0 ? 'A' : 'B', errors: string[] = []): TrajectorySample {
  const expected = 'A';
  const failure = errors.length ? 'error' : reward >= 1 ? null : 'wrong';
  const calls = [{ messages: [{ role: 'user', content: `question ${index}?` }], completion: String(output) }];
  return {
    exampleId: `train-${index}`,
    input: { question: `question ${index}?` },
    expected,
    output,
    reward,
    failure,
    detail: { correct: reward >= 1 },
    errors,
    calls,
  };
}

export function feedbackContext(overrides: Partial<FeedbackContext> = {}): FeedbackContext {
  return {
    iteration: 1,
    mode: 'h',
    task: { id: 'toy', description: 'Answer A or B.', metricName: 'accuracy' },
    scaffold: sampleScaffold(),
    trainTrajectories: [trajectory(1, 0), trajectory(2, 0), trajectory(3, 1), trajectory(4, 1)],
    trainScore: 0.5,
    devScore: 0.4375,
    rewardStatistics: { n: 4, mean: 0.5, std: 0.5, successRate: 0.5, density: 0, pairwiseAvailability: 0 },
    advice: { algorithm: 'grpo', reason: 'binary rewards with variance inside groups' },
    algorithms: [
      { id: 'grpo', suits: 'group-relative, no critic' },
      { id: 'ppo-gae', suits: 'dense outcome rewards' },
    ],
    lineage: [lesson({ nodeId: 'node-0', kind: 'seed', status: 'accepted', what: 'reference scaffold', devScore: 0.4375 })],
    tried: [],
    ...overrides,
  };
}

/** A lineage entry with no operator, diff or gate unless given. */
export function lesson(entry: Pick<LineageDigestEntry, 'nodeId' | 'kind' | 'status' | 'what' | 'devScore'> & Partial<LineageDigestEntry>): LineageDigestEntry {
  return { parentId: null, operator: null, diffSummary: null, gate: null, ...entry };
}
