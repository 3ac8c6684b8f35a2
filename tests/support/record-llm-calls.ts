/** Records a policy's answers as `llm_call` steps, the shape the gateway stores, so a cassette can replay them. */
import { LlmCallStep } from '../../core/events/run.ts';
import type { ChatRequest, PolicyModel } from '../../core/ports/policy-model.ts';
import type { RecordedLlmCall } from '../../plugins/providers/cassette.ts';

export async function recordLlmCalls(policy: PolicyModel, requests: ChatRequest[]): Promise<RecordedLlmCall[]> {
  const steps: RecordedLlmCall[] = [];
  for (const request of requests) {
    const started = performance.now();
    const response = await policy.chat(request);
    const step: RecordedLlmCall = {
      kind: 'llm_call',
      model: response.model,
      request: { messages: request.messages, guidedChoice: request.guidedChoice ?? null, temperature: request.temperature ?? null },
      completion: response.content,
      tokenIds: response.tokenIds,
      logprobs: response.logprobs,
      latencyMs: performance.now() - started,
      usage: { ...response.usage, costUsd: null },
    };
    LlmCallStep.parse(step); // the shape the gateway records (with every part inline)
    steps.push(step);
  }
  return steps;
}
