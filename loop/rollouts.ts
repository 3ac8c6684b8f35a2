import type { Rollout } from '../core/ports/algorithm.ts';
import type { EventStore } from '../core/ports/event-store.ts';

/**
 * Turns rollout runs into RL groups: one group per (train item, n-th model call of that item), one rollout per
 * run, carrying the sampled token ids, the sampler's logprobs, the request (context for tokenizer-free
 * trainers) and the item's reward.
 */
export function rolloutGroups(store: EventStore, runIds: string[]): Rollout[][] {
  const groups = new Map<string, Rollout[]>();
  for (const runId of runIds) {
    const rewards = new Map<string, number>();
    const calls: { exampleId: string; tokens: number[]; logprobs: number[]; context: Record<string, unknown> }[] = [];
    for (const event of store.iterate({ streamId: `run-${runId}` })) {
      if (event.type === 'reward.recorded') rewards.set(event.data.exampleId, event.data.reward);
      if (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call' && event.data.exampleId) {
        const { step } = event.data;
        calls.push({
          exampleId: event.data.exampleId,
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
        tokens: call.tokens,
        mask: call.tokens.map(() => 1),
        samplerLogprobs: call.logprobs,
        reward: rewards.get(call.exampleId) ?? 0,
        context: call.context,
      };
      groups.set(groupId, [...(groups.get(groupId) ?? []), rollout]);
    }
  }
  return [...groups.values()];
}
