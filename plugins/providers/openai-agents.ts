/**
 * Meta and Feedback agents on any OpenAI-compatible chat-completions server (OpenAI, vLLM serving gpt-oss-120b, ...),
 * through the `openai` SDK. The answer comes as a forced function call (`answerVia: 'tool'`, the default) or, for
 * servers without tool calling, as a JSON object in the message (`answerVia: 'json'`, response_format json_object).
 */
import OpenAI from 'openai';
import { PluginError } from '../../core/errors.ts';
import type { FeedbackAgent, MetaAgent } from '../../core/ports/agents.ts';
import { readApiKey } from './api-key.ts';
import { type Conversation, costOf, createLlmAgents, type OpenConversation, type Prices } from './llm-agents.ts';

export interface OpenAIAgentsOptions {
  model: string;
  baseURL?: string;
  /** Name of the environment variable holding the key (default OPENAI_API_KEY); null for servers without auth. */
  apiKeyEnv?: string | null;
  env?: Record<string, string | undefined>;
  answerVia?: 'tool' | 'json';
  maxTokens?: number;
  temperature?: number;
  maxAttempts?: number;
  maxRetries?: number;
  timeoutMs?: number;
  /** USD per million tokens; without it costUsd is null. */
  prices?: Prices | null;
  /** Estimated tokens the Feedback prompt may fill with evidence (default by model family; see evidence-prompt.ts). */
  evidenceTokens?: number;
}

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export function createOpenAIAgents(options: OpenAIAgentsOptions): { meta: MetaAgent; feedback: FeedbackAgent } {
  const apiKeyEnv = options.apiKeyEnv === undefined ? 'OPENAI_API_KEY' : options.apiKeyEnv;
  // vLLM without --api-key accepts any bearer token; the SDK insists on one.
  const apiKey = apiKeyEnv === null ? 'no-key' : readApiKey(apiKeyEnv, options.env);
  const client = new OpenAI({ apiKey, baseURL: options.baseURL, maxRetries: options.maxRetries, timeout: options.timeoutMs });
  const answerVia = options.answerVia ?? 'tool';

  const openConversation: OpenConversation = ({ system, user, tool }): Conversation => {
    const jsonHint = `\n\nReply with one JSON object matching this JSON Schema:\n${JSON.stringify(tool.inputSchema)}`;
    const messages: ChatMessage[] = [
      { role: 'system', content: answerVia === 'json' ? system + jsonHint : system },
      { role: 'user', content: user },
    ];
    let pendingToolCallId: string | null = null;
    return {
      async next() {
        let completion: OpenAI.Chat.Completions.ChatCompletion;
        try {
          completion = await client.chat.completions.create({
            model: options.model,
            messages,
            ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
            ...(options.maxTokens === undefined ? {} : { max_completion_tokens: options.maxTokens }),
            ...(answerVia === 'tool'
              ? {
                  tools: [{ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }],
                  tool_choice: { type: 'function', function: { name: tool.name } },
                }
              : { response_format: { type: 'json_object' } }),
          });
        } catch (error) {
          throw new PluginError('openai', `chat.completions.create failed for model ${options.model}: ${(error as Error).message}`);
        }
        const message = completion.choices[0]?.message;
        if (!message) throw new PluginError('openai', `model ${options.model} returned no choices`);
        const call = message.tool_calls?.find((candidate) => candidate.type === 'function');
        pendingToolCallId = call?.id ?? null;
        messages.push({ role: 'assistant', content: message.content ?? null, ...(message.tool_calls ? { tool_calls: message.tool_calls } : {}) });
        const promptTokens = completion.usage?.prompt_tokens ?? 0;
        const completionTokens = completion.usage?.completion_tokens ?? 0;
        return {
          answer: call?.type === 'function' ? call.function.arguments : (message.content ?? ''),
          usage: { promptTokens, completionTokens, costUsd: costOf(promptTokens, completionTokens, options.prices) },
        };
      },
      reject(reason) {
        messages.push(pendingToolCallId ? { role: 'tool', tool_call_id: pendingToolCallId, content: reason } : { role: 'user', content: reason });
      },
    };
  };

  return createLlmAgents({
    id: `openai:${options.model}`,
    openConversation,
    secret: apiKeyEnv === null ? null : apiKey,
    maxAttempts: options.maxAttempts,
    evidenceBudget: options.evidenceTokens ? { tokens: options.evidenceTokens } : undefined,
  });
}
