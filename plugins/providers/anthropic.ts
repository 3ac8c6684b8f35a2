/**
 * Meta and Feedback agents on Anthropic's Messages API (@anthropic-ai/sdk). The decision comes back as the input
 * of a forced tool call; a refused answer is returned to the model as an error tool_result and asked again.
 */
import Anthropic from '@anthropic-ai/sdk';
import { PluginError } from '../../core/errors.ts';
import type { FeedbackAgent, MetaAgent } from '../../core/ports/agents.ts';
import { readApiKey } from './api-key.ts';
import { type Conversation, createLlmAgents, type OpenConversation, type Prices } from './llm-agents.ts';

export interface AnthropicPrices extends Prices {
  cacheWritePerMillion: number;
  cacheReadPerMillion: number;
}

/**
 * USD per million tokens, standard (non-batch) tier as Anthropic publishes it for Claude Sonnet 4.6 (Feb 2026):
 * input $3, output $15, 5-minute cache writes $3.75, cache reads $0.30. Other models cost null unless
 * `prices` is given.
 */
export const ANTHROPIC_PRICES: Record<string, AnthropicPrices> = {
  'claude-sonnet-4-6': { inputPerMillion: 3, outputPerMillion: 15, cacheWritePerMillion: 3.75, cacheReadPerMillion: 0.3 },
};

export interface AnthropicAgentsOptions {
  /** Default claude-sonnet-4-6. */
  model?: string;
  /** Name of the environment variable holding the key (default ANTHROPIC_API_KEY); the key itself is never logged. */
  apiKeyEnv?: string;
  env?: Record<string, string | undefined>;
  baseURL?: string;
  /** Default 16000: enough for a whole scaffold, and under the SDK's limit for non-streaming calls. */
  maxTokens?: number;
  temperature?: number;
  /** Attempts at a valid answer before a ModelBehaviorError (default 3). */
  maxAttempts?: number;
  /** The SDK's own retries of failed HTTP requests. */
  maxRetries?: number;
  timeoutMs?: number;
  /** Estimated tokens the Feedback prompt may fill with evidence (default by model family; see evidence-prompt.ts). */
  evidenceTokens?: number;
  prices?: AnthropicPrices | null;
}

export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-4-6';

function costOf(usage: Anthropic.Usage, prices: AnthropicPrices | null): number | null {
  if (!prices) return null;
  const dollars =
    usage.input_tokens * prices.inputPerMillion +
    (usage.cache_creation_input_tokens ?? 0) * prices.cacheWritePerMillion +
    (usage.cache_read_input_tokens ?? 0) * prices.cacheReadPerMillion +
    usage.output_tokens * prices.outputPerMillion;
  return dollars / 1_000_000;
}

/** Only the blocks we asked for go back into the history (no extended thinking is requested). */
function toParams(content: Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  const params: Anthropic.ContentBlockParam[] = [];
  for (const block of content) {
    if (block.type === 'text') params.push({ type: 'text', text: block.text });
    else if (block.type === 'tool_use') params.push({ type: 'tool_use', id: block.id, name: block.name, input: block.input });
  }
  return params;
}

export function createAnthropicAgents(options: AnthropicAgentsOptions = {}): { meta: MetaAgent; feedback: FeedbackAgent } {
  const model = options.model ?? DEFAULT_ANTHROPIC_MODEL;
  const apiKey = readApiKey(options.apiKeyEnv ?? 'ANTHROPIC_API_KEY', options.env);
  const prices = options.prices === undefined ? (ANTHROPIC_PRICES[model] ?? null) : options.prices;
  const client = new Anthropic({
    apiKey,
    // Only the key named by apiKeyEnv authenticates, never an ANTHROPIC_AUTH_TOKEN that happens to be set.
    authToken: null,
    baseURL: options.baseURL,
    maxRetries: options.maxRetries,
    timeout: options.timeoutMs,
  });

  const openConversation: OpenConversation = ({ system, user, tool }): Conversation => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: user }];
    let pendingToolUseId: string | null = null;
    return {
      async next() {
        let response: Anthropic.Message;
        try {
          response = await client.messages.create({
            model,
            max_tokens: options.maxTokens ?? 16_000,
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
            system,
            messages,
            tools: [{ name: tool.name, description: tool.description, input_schema: tool.inputSchema as Anthropic.Tool.InputSchema }],
            tool_choice: { type: 'tool', name: tool.name },
          });
        } catch (error) {
          throw new PluginError('anthropic', `messages.create failed for model ${model}: ${(error as Error).message}`);
        }
        messages.push({ role: 'assistant', content: toParams(response.content) });
        const toolUse = response.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
        pendingToolUseId = toolUse?.id ?? null;
        const text = response.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
        const usage = response.usage;
        return {
          answer: toolUse ? toolUse.input : text,
          usage: {
            promptTokens: usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
            completionTokens: usage.output_tokens,
            costUsd: costOf(usage, prices),
          },
        };
      },
      reject(reason) {
        const content: Anthropic.MessageParam['content'] = pendingToolUseId
          ? [{ type: 'tool_result', tool_use_id: pendingToolUseId, content: reason, is_error: true }]
          : reason;
        messages.push({ role: 'user', content });
      },
    };
  };

  return createLlmAgents({
    id: `anthropic:${model}`,
    openConversation,
    secret: apiKey,
    maxAttempts: options.maxAttempts,
    evidenceBudget: options.evidenceTokens ? { tokens: options.evidenceTokens } : undefined,
  });
}
