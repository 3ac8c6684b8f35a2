import { describe, expect, it } from 'vitest';
import { PluginError } from '../core/errors.ts';
import { ANTHROPIC_PRICES, createAnthropicAgents } from '../plugins/providers/anthropic.ts';
import { agentsContract } from './contracts/agents.case.ts';
import { feedbackContext } from './support/agent-fixtures.ts';
import { createAnthropicMessagesServer } from './support/anthropic-messages-server.ts';
import { startLocalServer } from './support/local-server.ts';

const API_KEY = 'sk-ant-test-0123456789abcdef';
const env = { SIA_TEST_ANTHROPIC_KEY: API_KEY };

async function startServer(apiKey = API_KEY) {
  const server = createAnthropicMessagesServer({ apiKey });
  const local = await startLocalServer(server.app);
  return { server, local, baseURL: local.url };
}

agentsContract('anthropic agents vs local Messages API server', async () => {
  const { server, local, baseURL } = await startServer();
  const agents = createAnthropicAgents({ baseURL, apiKeyEnv: 'SIA_TEST_ANTHROPIC_KEY', env, maxRetries: 0 });
  return { agents, script: server.script, apiKey: API_KEY, sentHeaders: () => server.requests.map((r) => r.headers), close: local.close };
});

describe('anthropic agents over the wire', () => {
  it('force the decision tool, return refusals as error tool_results, and price tokens with the Sonnet 4.6 table', async () => {
    const { server, local, baseURL } = await startServer();
    try {
      const agents = createAnthropicAgents({ baseURL, apiKeyEnv: 'SIA_TEST_ANTHROPIC_KEY', env, maxRetries: 0 });
      server.script(
        { kind: 'tool', input: { kind: 'weights', algorithm: 'reinforce', rationale: 'not in the allowed list' } },
        { kind: 'tool', input: { kind: 'weights', algorithm: 'ppo-gae', rationale: 'dense enough' } },
      );
      const result = await agents.feedback.decide(feedbackContext({ mode: 'w+h' }));
      expect(result.decision).toEqual({ kind: 'weights', algorithm: 'ppo-gae', rationale: 'dense enough' });
      expect(result.attempts).toBe(2);

      const [first, second] = server.requests.map((r) => r.body as Record<string, any>);
      expect(first!.model).toBe('claude-sonnet-4-6');
      expect(first!.tool_choice).toEqual({ type: 'tool', name: 'submit_decision' });
      expect(first!.tools[0].input_schema.properties.algorithm.enum).toEqual(['grpo', 'ppo-gae']);
      expect(first!.system).toMatch(/Feedback-Agent/);
      expect(first!.messages[0].content).toContain('dev (aggregate only) 0.4375');
      const assistantTurn = second!.messages.at(-2);
      const refusal = second!.messages.at(-1).content[0];
      expect(assistantTurn.content[0]).toMatchObject({ type: 'tool_use', id: 'toolu_1' });
      expect(refusal).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_1', is_error: true });
      expect(refusal.content).toMatch(/algorithm/);

      const prices = ANTHROPIC_PRICES['claude-sonnet-4-6']!;
      const dollars = (result.usage.promptTokens * prices.inputPerMillion + result.usage.completionTokens * prices.outputPerMillion) / 1_000_000;
      expect(result.usage.promptTokens).toBeGreaterThan(0);
      expect(result.usage.costUsd).toBeCloseTo(dollars, 12);
    } finally {
      await local.close();
    }
  });

  it('report no cost for a model without prices', async () => {
    const { server, local, baseURL } = await startServer();
    try {
      const agents = createAnthropicAgents({ baseURL, model: 'claude-unpriced', apiKeyEnv: 'SIA_TEST_ANTHROPIC_KEY', env, maxRetries: 0 });
      server.script({ kind: 'tool', input: { kind: 'stop', rationale: 'done' } });
      expect((await agents.feedback.decide(feedbackContext())).usage.costUsd).toBeNull();
    } finally {
      await local.close();
    }
  });

  it('turn an authentication failure into a PluginError without the key the server echoed', async () => {
    const { local, baseURL } = await startServer('the-right-key');
    try {
      const agents = createAnthropicAgents({ baseURL, apiKeyEnv: 'SIA_TEST_ANTHROPIC_KEY', env, maxRetries: 0 });
      const error = await agents.meta
        .writeScaffold({ task: { id: 't', description: 'd' }, reference: feedbackContext().scaffold })
        .catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(PluginError);
      expect((error as Error).message).toMatch(/401/);
      expect((error as Error).message).toContain('[redacted]');
      expect((error as Error).message).not.toContain(API_KEY);
    } finally {
      await local.close();
    }
  });
});
