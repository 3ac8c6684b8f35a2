import { canonicalJson } from '../hashing.ts';

/** One model call of a run as the cassette comparison sees it. */
export interface CallRecord {
  messages: Array<{ role: string; content: string }>;
  guidedChoice: string[] | null;
  completion: string;
  tokenIds: number[];
}

export interface ReplayDivergence {
  exampleId: string;
  /** The n-th model call of that example; null for the example's final output. */
  step: number | null;
  field: 'request' | 'completion' | 'tokenIds' | 'missing-call' | 'extra-call' | 'output';
  original: unknown;
  replayed: unknown;
}

/** Compares two runs example by example: each model call in order, then the output the verifier saw. */
export function compareRuns(
  original: { calls: Map<string, CallRecord[]>; outputs: Map<string, unknown> },
  replayed: { calls: Map<string, CallRecord[]>; outputs: Map<string, unknown> },
): ReplayDivergence[] {
  const divergences: ReplayDivergence[] = [];
  for (const [exampleId, output] of original.outputs) {
    const before = original.calls.get(exampleId) ?? [];
    const after = replayed.calls.get(exampleId) ?? [];
    for (let step = 0; step < Math.max(before.length, after.length); step++) {
      const a = before[step];
      const b = after[step];
      if (!a || !b) {
        divergences.push({ exampleId, step, field: a ? 'missing-call' : 'extra-call', original: a?.completion ?? null, replayed: b?.completion ?? null });
        break;
      }
      const requestA = canonicalJson({ messages: a.messages, guidedChoice: a.guidedChoice });
      const requestB = canonicalJson({ messages: b.messages, guidedChoice: b.guidedChoice });
      if (requestA !== requestB)
        divergences.push({ exampleId, step, field: 'request', original: a.messages.at(-1)?.content ?? null, replayed: b.messages.at(-1)?.content ?? null });
      else if (a.completion !== b.completion) divergences.push({ exampleId, step, field: 'completion', original: a.completion, replayed: b.completion });
      else if (canonicalJson(a.tokenIds) !== canonicalJson(b.tokenIds))
        divergences.push({ exampleId, step, field: 'tokenIds', original: a.tokenIds, replayed: b.tokenIds });
    }
    const replayedOutput = replayed.outputs.has(exampleId) ? replayed.outputs.get(exampleId) : undefined;
    if (canonicalJson(output ?? null) !== canonicalJson(replayedOutput ?? null))
      divergences.push({ exampleId, step: null, field: 'output', original: output, replayed: replayedOutput ?? null });
  }
  return divergences;
}
