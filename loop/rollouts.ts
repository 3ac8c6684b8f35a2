import type { LoopState } from '../core/loop/state.ts';
import type { Rollout } from '../core/ports/algorithm.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { createRequestReader } from '../gateway/request-blobs.ts';

/**
 * The node's rollout runs a weights update from it trains on: its latest `groupSize` rollout runs in log order (the
 * probe the Feedback-Agent's statistics were drawn from, completed by the train step when it is short).
 */
export function nodeRolloutRuns(state: LoopState, nodeId: string, groupSize: number): string[] {
  const runs = Object.entries(state.runs)
    .filter(([, run]) => run.nodeId === nodeId && run.purpose === 'rollout')
    .map(([runId]) => runId);
  return runs.slice(Math.max(0, runs.length - groupSize));
}

/** Rollouts (the probe included) sample at the training temperature. */
export const ROLLOUT_TEMPERATURE = 1;

/** The seed of the n-th rollout sample of a node at an iteration (the probe and the train step agree on it). */
export const rolloutSeed = (experimentSeed: number, iteration: number, sample: number) => experimentSeed * 1000 + iteration * 10 + sample;

/**
 * Turns rollout runs into RL groups: one group per (train item, n-th model call of that item), one rollout per
 * run, carrying the sampled token ids, the sampler's logprobs, the request (context for tokenizer-free
 * trainers) and the item's reward.
 */
export function rolloutGroups(store: EventStore, runIds: string[]): Rollout[][] {
  const groups = new Map<string, Rollout[]>();
  const inline = createRequestReader(store);
  for (const runId of runIds) {
    const rewards = new Map<string, number>();
    const calls: { exampleId: string; promptTokens: number[]; tokens: number[]; logprobs: number[]; context: Record<string, unknown> }[] = [];
    for (const event of store.iterate({ streamId: `run-${runId}` })) {
      if (event.type === 'reward.recorded') rewards.set(event.data.exampleId, event.data.reward);
      if (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call' && event.data.exampleId) {
        const step = inline(event.data.step);
        calls.push({
          exampleId: event.data.exampleId,
          promptTokens: step.promptTokenIds ?? [],
          tokens: step.tokenIds,
          logprobs: step.logprobs,
          context: { messages: step.request.messages, candidates: step.request.guidedChoice },
        });
      }
    }
    const seen = new Map<string, number>();
    for (const call of calls) {
      if (!call.tokens.length) continue;
      const nth = seen.get(call.exampleId) ?? 0;
      seen.set(call.exampleId, nth + 1);
      const groupId = `${call.exampleId}#${nth}`;
      const rollout: Rollout = {
        groupId,
        trajectoryId: `${runId}/${groupId}`,
        exampleId: call.exampleId,
        ...promptThenCompletion(call),
        reward: rewards.get(call.exampleId) ?? 0,
        context: call.context,
      };
      groups.set(groupId, [...(groups.get(groupId) ?? []), rollout]);
    }
  }
  return [...groups.values()];
}

/**
 * A real model's row is the prompt as the server tokenized it (mask 0, logprob 0: not the policy's choice) followed by
 * the completion (mask 1, the sampler's logprobs); the trainer predicts each token from those before it. The tiny
 * policy reports no prompt tokens: its row is the chosen candidate alone.
 */
function promptThenCompletion(call: { promptTokens: number[]; tokens: number[]; logprobs: number[] }) {
  const prompt = call.promptTokens;
  return {
    tokens: [...prompt, ...call.tokens],
    mask: [...prompt.map(() => 0), ...call.tokens.map(() => 1)],
    samplerLogprobs: [...prompt.map(() => 0), ...call.logprobs],
  };
}
