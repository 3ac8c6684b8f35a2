import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../core/errors.ts';
import type { ChatRequest } from '../core/ports/policy-model.ts';
import { createCassetteAgents, createCassettePolicy } from '../plugins/providers/cassette.ts';
import { createOpenAIPolicy } from '../plugins/providers/openai-policy.ts';
import { POLICY_CONTRACT_REQUESTS, policyModelContract } from './contracts/policy-model.case.ts';
import { feedbackContext, sampleScaffold } from './support/agent-fixtures.ts';
import { startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';
import { recordLlmCalls } from './support/record-llm-calls.ts';

/** Answers recorded from the OpenAI policy against the local vLLM-like server (seeded, so repeats agree). */
async function recordFromServer(requests: ChatRequest[]) {
  const server = createOpenAIChatServer({ baseModel: 'gpt-oss-120b' });
  const local = await startLocalServer(server.app);
  try {
    return await recordLlmCalls(createOpenAIPolicy({ baseURL: `${local.url}/v1`, model: 'gpt-oss-120b', maxRetries: 0 }), requests);
  } finally {
    await local.close();
  }
}

// Each contract request twice: the determinism case asks the same request two times.
const recorded = recordFromServer(POLICY_CONTRACT_REQUESTS.flatMap((request) => [request, request]));
policyModelContract('cassette replaying recorded llm_call steps', async () => ({ policy: createCassettePolicy(await recorded), deterministicForSeed: true }));

describe('cassette policy', () => {
  const [first, second] = POLICY_CONTRACT_REQUESTS as [ChatRequest, ChatRequest];

  it('replays exactly what was recorded, matched by messages and guided choice', async () => {
    const steps = await recorded;
    const cassette = createCassettePolicy(steps);
    const response = await cassette.chat({ ...second, model: 'another-name', temperature: 0, seed: 99 });
    const step = steps.find((s) => s.request.messages[0]?.content === second.messages[0]?.content)!;
    expect(response).toEqual({
      content: step.completion,
      tokenIds: step.tokenIds,
      logprobs: step.logprobs,
      usage: { promptTokens: step.usage.promptTokens, completionTokens: step.usage.completionTokens },
      model: step.model,
    });
  });

  it('replays repeated requests in recorded order, then says it ran out', async () => {
    const base = (await recorded)[0]!;
    const steps = [
      { ...base, completion: 'theft' },
      { ...base, completion: 'fraud' },
    ];
    const cassette = createCassettePolicy(steps);
    expect((await cassette.chat(first)).content).toBe('theft');
    expect((await cassette.chat(first)).content).toBe('fraud');
    await expect(cassette.chat(first)).rejects.toThrow(/already replayed all 2 recorded answers/);
  });

  it('names an unmatched request, including a changed guided choice', async () => {
    const cassette = createCassettePolicy(await recorded);
    const changed = { ...first, guidedChoice: ['theft', 'fraud'] };
    await expect(cassette.chat(changed)).rejects.toBeInstanceOf(NotFoundError);
    await expect(cassette.chat(changed)).rejects.toThrow(/no recorded llm_call .*2 messages, last user: "Facts: the defendant took a phone.*2 guided choices/);
  });

  it('tracks the adapter it is told to serve', async () => {
    const cassette = createCassettePolicy([]);
    await cassette.useAdapter({ adapterId: 'a1', dir: '/tmp/a1' });
    expect(cassette.adapterId).toBe('a1');
  });
});

describe('cassette agents', () => {
  it('replay the recorded scaffold and decisions in order, then refuse', async () => {
    const recordedScaffold = { entry: 'main.mjs', files: { 'main.mjs': 'export async function solve() { return 1; }' } };
    const { meta, feedback } = createCassetteAgents({
      metaScaffold: recordedScaffold,
      decisions: [
        { kind: 'weights', algorithm: 'grpo', rationale: 'r' },
        { kind: 'stop', rationale: 's' },
      ],
    });
    expect((await meta.writeScaffold({ task: { id: 't', description: 'd' }, reference: sampleScaffold() })).scaffold).toEqual(recordedScaffold);
    expect((await feedback.decide(feedbackContext())).decision.kind).toBe('weights');
    expect((await feedback.decide(feedbackContext())).decision.kind).toBe('stop');
    await expect(feedback.decide(feedbackContext({ iteration: 3 }))).rejects.toThrow(/no recorded decision left for iteration 3/);
  });
});
