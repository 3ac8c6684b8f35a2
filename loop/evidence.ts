import type { FailureKind, ModelCallSample, TrajectorySample } from '../core/ports/agents.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { createRequestReader } from '../gateway/request-blobs.ts';

/** The order failure kinds are taken in when the agent cannot see everything: crashes first, near misses last. */
export const FAILURE_ORDER: FailureKind[] = ['error', 'timeout', 'unparsable', 'wrong', 'partial'];

export interface TrainItem {
  input: unknown;
  label: unknown;
}

/**
 * Every item of one train run with its whole story — input, expected answer, output, reward, the verifier's
 * detail, errors and the scaffold's model calls — ordered for the Feedback-Agent (see orderForFeedback). Only
 * items in `train` are returned: a run of another split yields nothing, so dev and holdout cannot leak here.
 */
export function trainEvidence(store: EventStore, runId: string, train: Map<string, TrainItem>): TrajectorySample[] {
  const errors = new Map<string, { kind: string; message: string }[]>();
  const calls = new Map<string, ModelCallSample[]>();
  const samples: TrajectorySample[] = [];
  const inline = createRequestReader(store);
  for (const event of store.iterate({ streamId: `run-${runId}` })) {
    if (event.type === 'run.step_recorded' && event.data.exampleId && train.has(event.data.exampleId)) {
      const { step, exampleId } = event.data;
      if (step.kind === 'error') errors.set(exampleId, [...(errors.get(exampleId) ?? []), { kind: step.errorKind, message: step.message }]);
      if (step.kind === 'llm_call')
        calls.set(exampleId, [...(calls.get(exampleId) ?? []), { messages: inline(step).request.messages, completion: step.completion }]);
    }
    if (event.type !== 'reward.recorded') continue;
    const item = train.get(event.data.exampleId);
    if (!item) continue;
    const itemErrors = errors.get(event.data.exampleId) ?? [];
    samples.push({
      exampleId: event.data.exampleId,
      input: item.input,
      expected: item.label,
      output: event.data.output,
      reward: event.data.reward,
      failure: failureKind(event.data.reward, event.data.output, event.data.detail, itemErrors),
      detail: event.data.detail,
      errors: itemErrors.map((error) => `${error.kind}: ${error.message}`),
      calls: calls.get(event.data.exampleId) ?? [],
    });
  }
  return orderForFeedback(samples);
}

/** Why an item fell short of the full reward: a crash or timeout, no usable answer, a wrong one, or partial credit. */
export function failureKind(reward: number, output: unknown, detail: Record<string, unknown> | null, errors: { kind: string }[]): FailureKind | null {
  if (errors.some((error) => error.kind === 'timeout')) return 'timeout';
  if (errors.length > 0 || detail?.error !== undefined || detail?.verifierError !== undefined) return 'error';
  if (reward >= 1) return null;
  if (output === null || output === undefined || output === '' || detail?.parsed === null || detail?.unparsable === true) return 'unparsable';
  return reward > 0 ? 'partial' : 'wrong';
}

/**
 * Failures first, spread over their kinds (one of each kind in FAILURE_ORDER in turn, lowest reward first within a
 * kind), then the successes: a prompt cut short still shows every kind of failure, not just the first N items.
 */
export function orderForFeedback(samples: TrajectorySample[]): TrajectorySample[] {
  const byKind = new Map<FailureKind, TrajectorySample[]>(FAILURE_ORDER.map((kind) => [kind, []]));
  const successes: TrajectorySample[] = [];
  for (const sample of samples) (sample.failure ? (byKind.get(sample.failure) as TrajectorySample[]) : successes).push(sample);
  for (const group of byKind.values()) group.sort((a, b) => a.reward - b.reward);
  const ordered: TrajectorySample[] = [];
  for (let round = 0; ordered.length < samples.length - successes.length; round += 1) {
    for (const kind of FAILURE_ORDER) {
      const sample = byKind.get(kind)?.[round];
      if (sample) ordered.push(sample);
    }
  }
  return [...ordered, ...successes];
}
