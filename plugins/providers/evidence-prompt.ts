/**
 * Fills the Feedback-Agent's prompt with train evidence up to a token budget, in a stated order of priority:
 * 1. the fixed parts (task, scores, statistics, advice, the scaffold) — always, the scaffold cut at 40% of the budget;
 * 2. lessons: every earlier node's change and the gate's verdict, newest first, up to 15% of the budget;
 * 3. train items, failures first and spread over failure kinds: input, expected answer, output, reward, the
 *    verifier's detail and errors, each field cut to a size with the cut marked — up to 70% of what is left;
 * 4. the model calls of the items shown, in the same order, each message and completion cut with the cut marked;
 * 5. more train items, without their calls, while anything is left;
 * 6. a count of what did not fit.
 * What the prompt carried is returned as coverage, recorded in feedback.decided.
 */
import type { EvidenceCoverage } from '../../core/events/index.ts';
import type { LineageDigestEntry, TrajectorySample } from '../../core/ports/agents.ts';

export interface EvidenceBudget {
  /** Tokens the whole user prompt may take (estimated). */
  tokens: number;
  /** Characters of one field (input, output, detail) of an item. */
  fieldChars: number;
  /** Characters of one message or completion of a model call. */
  callChars: number;
}

/** Budgets by model family: a sensible share of each family's context window, leaving room for the answer. */
export function defaultEvidenceBudget(model: string): EvidenceBudget {
  const tokens = /claude|gpt-4\.1|gpt-5|gemini/i.test(model) ? 60_000 : /gpt-4o|o3|o4/i.test(model) ? 40_000 : 16_000;
  return { tokens, fieldChars: 800, callChars: 1_200 };
}

/** A rough token count: CJK characters are about a token each, other text about four characters a token. */
export function estimateTokens(text: string): number {
  const cjk = text.match(/[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/g)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

export const cut = (text: string, limit: number) => (text.length <= limit ? text : `${text.slice(0, limit)}… [cut: ${text.length - limit} more characters]`);
const json = (value: unknown) => JSON.stringify(value) ?? 'undefined';
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export interface RenderedEvidence {
  scaffold: string;
  lessons: string;
  trajectories: string;
  omitted: string;
  coverage: EvidenceCoverage;
}

export function renderEvidence(input: {
  fixedText: string;
  scaffold: string;
  lessons: LineageDigestEntry[];
  trajectories: TrajectorySample[];
  budget: EvidenceBudget;
}): RenderedEvidence {
  const { budget } = input;
  const scaffold = estimateTokens(input.scaffold) > budget.tokens * 0.4 ? cut(input.scaffold, budget.tokens * 0.4 * 3) : input.scaffold;
  let left = budget.tokens - estimateTokens(input.fixedText) - estimateTokens(scaffold);

  const lessonLines: string[] = [];
  let lessonTokens = 0;
  for (const entry of [...input.lessons].reverse()) {
    const line = lessonLine(entry);
    if (lessonTokens + estimateTokens(line) > budget.tokens * 0.15) break;
    lessonLines.unshift(line);
    lessonTokens += estimateTokens(line);
  }
  left -= lessonTokens;

  // Items take up to 70% of what is left, so the model calls of the first items still fit; items fill the rest.
  const shown: { sample: TrajectorySample; text: string }[] = [];
  const addItems = (limit: number) => {
    for (const sample of input.trajectories.slice(shown.length)) {
      const text = itemText(sample, budget.fieldChars);
      if (estimateTokens(text) > left - limit) return;
      shown.push({ sample, text });
      left -= estimateTokens(text);
    }
  };
  addItems(left * 0.3);
  let callsShown = 0;
  for (const item of shown) {
    if (item.sample.calls.length === 0) continue;
    const calls = item.sample.calls.map((call, index) => callText(call, index, budget.callChars)).join('\n');
    if (estimateTokens(calls) > left) break;
    item.text += `\n${calls}`;
    left -= estimateTokens(calls);
    callsShown += 1;
  }
  addItems(0);

  const shownSamples = shown.map((item) => item.sample);
  const hidden = input.trajectories.slice(shown.length);
  const kindsOf = (samples: TrajectorySample[]) => [...new Set(samples.map((sample) => sample.failure).filter((kind) => kind !== null))] as string[];
  const withCalls = shownSamples.filter((sample) => sample.calls.length > 0).length;
  const omitted = [
    hidden.length ? `${hidden.length} train items not shown (${countKinds(hidden)})` : '',
    withCalls > callsShown ? `model calls of ${withCalls - callsShown} shown items not shown` : '',
    input.lessons.length > lessonLines.length ? `${input.lessons.length - lessonLines.length} older lineage nodes not shown` : '',
  ].filter(Boolean);
  const trajectories = shown.map((item) => item.text).join('\n');
  return {
    scaffold,
    lessons: lessonLines.join('\n') || '(none yet)',
    trajectories: trajectories || '(no train items)',
    omitted: omitted.length ? omitted.join('; ') : 'nothing: every train item and model call is shown',
    coverage: {
      itemsShown: shown.length,
      itemsAvailable: input.trajectories.length,
      bytesShown: bytes(trajectories),
      bytesAvailable: input.trajectories.reduce((sum, sample) => sum + bytes(json(sample)), 0),
      failureKindsShown: kindsOf(shownSamples),
      failureKindsAvailable: kindsOf(input.trajectories),
      promptTokens: budget.tokens - left,
      tokenBudget: budget.tokens,
    },
  };
}

function countKinds(samples: TrajectorySample[]): string {
  const counts = new Map<string, number>();
  for (const sample of samples) counts.set(sample.failure ?? 'correct', (counts.get(sample.failure ?? 'correct') ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${kind} ${count}`).join(', ');
}

function itemText(sample: TrajectorySample, fieldChars: number): string {
  const lines = [
    `- ${sample.exampleId}: ${sample.failure ?? 'correct'}, reward ${sample.reward}`,
    `  input: ${cut(json(sample.input), fieldChars)}`,
    `  expected: ${cut(json(sample.expected), fieldChars)}`,
    `  output: ${cut(json(sample.output), fieldChars)}`,
  ];
  if (sample.detail) lines.push(`  verifier: ${cut(json(sample.detail), fieldChars)}`);
  if (sample.errors.length) lines.push(`  errors: ${cut(json(sample.errors), fieldChars)}`);
  return lines.join('\n');
}

function callText(call: TrajectorySample['calls'][number], index: number, callChars: number): string {
  const messages = call.messages.map((message) => `    ${message.role}: ${cut(message.content, callChars)}`).join('\n');
  return `  model call ${index + 1}:\n${messages}\n    → ${cut(call.completion, callChars)}`;
}

function lessonLine(entry: LineageDigestEntry): string {
  const change =
    entry.kind === 'seed'
      ? 'seed scaffold'
      : entry.kind === 'weights'
        ? `weights (${entry.operator ?? '?'}) from ${entry.parentId}`
        : `harness ${entry.operator ?? 'edit'} from ${entry.parentId}${entry.diffSummary ? `: ${entry.diffSummary}` : ''}`;
  const gate = entry.gate
    ? ` — gate ${entry.gate.accepted ? 'ACCEPTED' : 'rejected'}: gain ${entry.gate.gain.toFixed(3)} [${entry.gate.lower.toFixed(3)}, ${entry.gate.upper.toFixed(3)}] (${entry.gate.reason})`
    : entry.status === 'proposed'
      ? ' — not gated yet'
      : '';
  return `- ${entry.nodeId} [${entry.status}] ${change}; dev ${entry.devScore ?? 'n/a'}${gate}`;
}
