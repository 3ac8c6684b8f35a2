import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelBehaviorError, PluginError, ValidationError } from '../core/errors.ts';
import { createOpenAIAgents } from '../plugins/providers/openai-agents.ts';
import { createOpenAIPolicy, tokenIdsFrom } from '../plugins/providers/openai-policy.ts';
import { agentsContract } from './contracts/agents.case.ts';
import { POLICY_CONTRACT_REQUESTS, policyModelContract } from './contracts/policy-model.case.ts';
import { feedbackContext } from './support/agent-fixtures.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';

const API_KEY = 'sk-test-openai-0123456789abcdef';
const env = { SIA_TEST_OPENAI_KEY: API_KEY };

async function startServer(options: { apiKey?: string } = {}) {
  const server = createOpenAIChatServer({ baseModel: 'gpt-oss-120b', ...options });
  const local = await startLocalServer(server.app);
  return { server, local, baseURL: `${local.url}/v1` };
}

policyModelContract('openai policy vs local vLLM-like server', async () => {
  const { local, baseURL } = await startServer();
  return { policy: createOpenAIPolicy({ baseURL, model: 'gpt-oss-120b', maxRetries: 0 }), deterministicForSeed: true, close: local.close };
});

for (const answerVia of ['tool', 'json'] as const) {
  agentsContract(`openai agents (${answerVia}) vs local server`, async () => {
    const { server, local, baseURL } = await startServer({ apiKey: API_KEY });
    const agents = createOpenAIAgents({ model: 'gpt-oss-120b', baseURL, apiKeyEnv: 'SIA_TEST_OPENAI_KEY', env, answerVia, maxRetries: 0 });
    return { agents, script: server.script, apiKey: API_KEY, sentHeaders: () => server.requests.map((r) => r.headers), close: local.close };
  });
}

describe('openai policy against a vLLM-like server', () => {
  let started: Awaited<ReturnType<typeof startServer>>;
  let local: LocalServer;
  beforeAll(async () => {
    started = await startServer();
    local = started.local;
  });
  afterAll(() => local.close());

  it('sends the guided choice both ways vLLM reads it, asks for logprobs and token ids, and parses the ids', async () => {
    const policy = createOpenAIPolicy({ baseURL: started.baseURL, model: 'gpt-oss-120b', maxRetries: 0 });
    const request = POLICY_CONTRACT_REQUESTS[0]!;
    const response = await policy.chat(request);
    const body = started.server.requests.at(-1)!.body;
    expect(body).toMatchObject({
      guided_choice: request.guidedChoice,
      structured_outputs: { choice: request.guidedChoice },
      logprobs: true,
      return_tokens_as_token_ids: true,
      return_token_ids: true,
      seed: 7,
    });
    expect(response.tokenIds.length).toBe(response.logprobs.length);
    expect(response.tokenIds.length).toBeGreaterThan(0);
    expect(response.promptTokenIds?.length).toBeGreaterThan(0);
  });

  it('leaves token ids empty when the server returns token text', async () => {
    const policy = createOpenAIPolicy({ baseURL: started.baseURL, model: 'gpt-oss-120b', tokenIdsAsText: false, guidedChoiceFields: ['guided_choice'] });
    const response = await policy.chat(POLICY_CONTRACT_REQUESTS[1]!);
    expect(started.server.requests.at(-1)!.body).not.toHaveProperty('structured_outputs');
    expect(response.tokenIds).toEqual([]);
    expect(response.promptTokenIds).toBeUndefined();
    expect(response.logprobs.length).toBeGreaterThan(0);
    expect(tokenIdsFrom(['token_id:12', 'token_id:0'])).toEqual([12, 0]);
    expect(tokenIdsFrom(['token_id:12', 'hello'])).toEqual([]);
  });

  it('refuses an answer outside the candidates (a server that ignores guided choice)', async () => {
    const policy = createOpenAIPolicy({ baseURL: started.baseURL, model: 'gpt-oss-120b', guidedChoiceFields: [] });
    await expect(policy.chat(POLICY_CONTRACT_REQUESTS[1]!)).rejects.toBeInstanceOf(ModelBehaviorError);
  });

  it('serves an adapter under the name its loader returns, and goes back to the base model', async () => {
    const loaded: string[] = [];
    const policy = createOpenAIPolicy({
      baseURL: started.baseURL,
      model: 'gpt-oss-120b',
      maxRetries: 0,
      loadAdapter: async (adapter) => {
        loaded.push(adapter.dir);
        started.server.addAdapter(`sia-${adapter.adapterId}`);
        return `sia-${adapter.adapterId}`;
      },
    });
    await policy.useAdapter({ adapterId: 'adapter-1', dir: '/tmp/adapters/adapter-1' });
    expect(policy.adapterId).toBe('adapter-1');
    expect((await policy.chat(POLICY_CONTRACT_REQUESTS[1]!)).model).toBe('sia-adapter-1');
    expect(loaded).toEqual(['/tmp/adapters/adapter-1']);
    await policy.useAdapter(null);
    expect(policy.adapterId).toBeNull();
    expect((await policy.chat(POLICY_CONTRACT_REQUESTS[1]!)).model).toBe('gpt-oss-120b');
  });

  it('by default loads an adapter into vLLM at runtime under its id, once', async () => {
    const policy = createOpenAIPolicy({ baseURL: started.baseURL, model: 'gpt-oss-120b', maxRetries: 0 });
    const adapter = { adapterId: 'adapter-2', dir: '/tmp/adapters/adapter-2' };
    await policy.useAdapter(adapter);
    await policy.useAdapter(null);
    await policy.useAdapter(adapter);
    expect(started.server.loads).toEqual([{ name: 'adapter-2', path: '/tmp/adapters/adapter-2' }]);
    expect((await policy.chat(POLICY_CONTRACT_REQUESTS[1]!)).model).toBe('adapter-2');
  });

  it('names the served model when the server does not know it', async () => {
    const policy = createOpenAIPolicy({ baseURL: started.baseURL, model: 'gpt-oss-120b', maxRetries: 0, loadAdapter: async () => 'never-loaded' });
    await policy.useAdapter({ adapterId: 'a', dir: '/tmp/x' });
    const error = await policy.chat(POLICY_CONTRACT_REQUESTS[1]!).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(PluginError);
    expect((error as Error).message).toMatch(/never-loaded/);
  });
});

describe('openai agents over the wire', () => {
  it('show train trajectories and the dev aggregate, and feed a refusal back as a tool message', async () => {
    const { server, local, baseURL } = await startServer({ apiKey: API_KEY });
    try {
      const agents = createOpenAIAgents({
        model: 'gpt-oss-120b',
        baseURL,
        apiKeyEnv: 'SIA_TEST_OPENAI_KEY',
        env,
        prices: { inputPerMillion: 1, outputPerMillion: 2 },
      });
      server.script(
        { kind: 'tool', input: { kind: 'weights', algorithm: 'grpo', rationale: 'not allowed in mode h' } },
        { kind: 'tool', input: { kind: 'stop', rationale: 'nothing promising' } },
      );
      const result = await agents.feedback.decide(feedbackContext({ mode: 'h' }));
      expect(result.decision).toEqual({ kind: 'stop', rationale: 'nothing promising' });
      const [first, second] = server.requests.map((r) => r.body as { messages: Array<{ role: string; content: string }>; tool_choice: unknown });
      const user = first!.messages.find((m) => m.role === 'user')!.content;
      expect(user).toContain('train-1');
      expect(user).toContain('dev (aggregate only) 0.4375');
      expect(first!.tool_choice).toEqual({ type: 'function', function: { name: 'submit_decision' } });
      const feedbackMessage = second!.messages.at(-1)!;
      expect(feedbackMessage.role).toBe('tool');
      expect(feedbackMessage.content).toMatch(/refused: .*kind/);
      const tokens = result.usage.promptTokens * 1 + result.usage.completionTokens * 2;
      expect(result.usage.costUsd).toBeCloseTo(tokens / 1_000_000, 12);
    } finally {
      await local.close();
    }
  });

  it('name a missing key variable without reading further, and scrub a key the server echoes', async () => {
    expect(() => createOpenAIAgents({ model: 'm', apiKeyEnv: 'SIA_TEST_UNSET_KEY', env: {} })).toThrow(ValidationError);
    expect(() => createOpenAIAgents({ model: 'm', apiKeyEnv: 'SIA_TEST_UNSET_KEY', env: {} })).toThrow(/SIA_TEST_UNSET_KEY/);
    const { local, baseURL } = await startServer({ apiKey: 'the-right-key' });
    try {
      const agents = createOpenAIAgents({ model: 'gpt-oss-120b', baseURL, apiKeyEnv: 'SIA_TEST_OPENAI_KEY', env, maxRetries: 0 });
      const error = await agents.feedback.decide(feedbackContext()).catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(PluginError);
      expect((error as Error).message).toMatch(/401/);
      expect((error as Error).message).not.toContain(API_KEY);
    } finally {
      await local.close();
    }
  });
});
