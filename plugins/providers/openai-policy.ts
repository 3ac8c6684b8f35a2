/**
 * The policy model behind an OpenAI-compatible server (vLLM serving gpt-oss-120b with LoRA adapters), via `openai`.
 * Guided choice goes out as vLLM's extra body params (`guided_choice` for older servers, `structured_outputs.choice`
 * for newer ones); `return_tokens_as_token_ids` makes vLLM name sampled tokens "token_id:N" (logprobs keep their
 * ids) and `return_token_ids` adds `prompt_token_ids` and `choices[0].token_ids`, so a training row can be the prompt
 * (mask 0) followed by the completion (mask 1) exactly as the server tokenized them.
 */
import OpenAI from 'openai';
import { ModelBehaviorError, PluginError } from '../../core/errors.ts';
import type { AdapterRef, ChatRequest, ChatResponse, PolicyModel } from '../../core/ports/policy-model.ts';
import { readApiKey } from './api-key.ts';
import type { Prices } from './llm-agents.ts';
import { secretGuard } from './secrets.ts';
import { createVllmAdapterClient } from './vllm-adapters.ts';
import { scorePromptTokens } from './vllm-score.ts';

/**
 * Makes an adapter servable and returns the model name it is served under. The default loads it into the vLLM
 * server at runtime (POST /v1/load_lora_adapter, via vllm-adapters.ts) under its adapter id, unless a model of
 * that name is already served; pass another loader for other naming or for adapters loaded at server start.
 */
export type AdapterLoader = (adapter: AdapterRef) => Promise<string>;

export function vllmRuntimeAdapterLoader(options: { baseURL: string; apiKey?: string; timeoutMs?: number }): AdapterLoader {
  const client = createVllmAdapterClient({ baseUrl: options.baseURL, apiKey: options.apiKey, timeoutMs: options.timeoutMs });
  return async (adapter) => {
    await client.ensureLoaded(adapter.adapterId, adapter.dir);
    return adapter.adapterId;
  };
}

export type GuidedChoiceField = 'guided_choice' | 'structured_outputs';

export interface OpenAIPolicyOptions {
  baseURL: string;
  /** The base model's served name, e.g. openai/gpt-oss-120b. */
  model: string;
  /** Name of the env variable with the key; null (default) for a vLLM server started without --api-key. */
  apiKeyEnv?: string | null;
  env?: Record<string, string | undefined>;
  /** Which extra body params carry the guided choice (default both: vLLM ignores the one it does not know). */
  guidedChoiceFields?: GuidedChoiceField[];
  /** Ask vLLM for "token_id:N" tokens and for prompt/completion token ids (default true). */
  tokenIdsAsText?: boolean;
  loadAdapter?: AdapterLoader;
  prices?: Prices;
  maxRetries?: number;
  timeoutMs?: number;
}

const TOKEN_ID = /^token_id:(\d+)$/;

/** Token ids when every sampled token came back as "token_id:N", else none (the server did not honour the flag). */
export function tokenIdsFrom(tokens: string[]): number[] {
  const ids: number[] = [];
  for (const token of tokens) {
    const match = TOKEN_ID.exec(token);
    if (!match) return [];
    ids.push(Number(match[1]));
  }
  return ids;
}

export function createOpenAIPolicy(options: OpenAIPolicyOptions): PolicyModel {
  const apiKey = options.apiKeyEnv ? readApiKey(options.apiKeyEnv, options.env) : undefined;
  // vLLM without --api-key accepts any bearer token; the SDK insists on one.
  const client = new OpenAI({ apiKey: apiKey ?? 'no-key', baseURL: options.baseURL, maxRetries: options.maxRetries, timeout: options.timeoutMs });
  const guidedFields = options.guidedChoiceFields ?? ['guided_choice', 'structured_outputs'];
  const loadAdapter = options.loadAdapter ?? vllmRuntimeAdapterLoader({ baseURL: options.baseURL, apiKey, timeoutMs: options.timeoutMs });
  let servedModel = options.model;
  let adapterId: string | null = null;
  const guard = secretGuard(apiKey ?? null);

  function requestBody(request: ChatRequest): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
    const choices = request.guidedChoice?.length ? request.guidedChoice : null;
    const body: Record<string, unknown> = {
      model: servedModel,
      messages: request.messages,
      logprobs: request.logprobs ?? true,
      ...(request.temperature == null ? {} : { temperature: request.temperature }),
      ...(request.maxTokens == null ? {} : { max_tokens: request.maxTokens }),
      ...(request.seed == null ? {} : { seed: request.seed }),
      ...(options.tokenIdsAsText === false ? {} : { return_tokens_as_token_ids: true, return_token_ids: true }),
      ...(choices && guidedFields.includes('guided_choice') ? { guided_choice: choices } : {}),
      ...(choices && guidedFields.includes('structured_outputs') ? { structured_outputs: { choice: choices } } : {}),
    };
    return body as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  }

  return {
    id: `openai:${options.model}`,
    flags: { guidedChoice: true, freeText: true, logprobs: true },
    prices: options.prices,
    get adapterId() {
      return adapterId;
    },
    get serving() {
      return { name: servedModel, endpoint: options.baseURL };
    },
    useAdapter: (adapter) =>
      guard(async () => {
        servedModel = adapter ? await loadAdapter(adapter) : options.model;
        adapterId = adapter?.adapterId ?? null;
      }),
    chat: (request) => guard(() => chat(request)),
    scoreTokens: (tokenIds) => guard(() => scorePromptTokens(client, servedModel, tokenIds)),
  };

  async function chat(request: ChatRequest): Promise<ChatResponse> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create(requestBody(request));
    } catch (error) {
      throw new PluginError('openai-policy', `chat.completions.create failed for model ${servedModel}: ${(error as Error).message}`);
    }
    const choice = completion.choices[0];
    if (!choice) throw new ModelBehaviorError(`model ${servedModel} returned no choices`);
    const content = choice.message.content ?? '';
    if (request.guidedChoice?.length && !request.guidedChoice.includes(content)) {
      throw new ModelBehaviorError(`model ${servedModel} answered "${content.slice(0, 80)}", not one of the guided choices`, {
        hint: 'the server ignored guided_choice / structured_outputs; use a vLLM server',
      });
    }
    const tokens = choice.logprobs?.content ?? [];
    const ids = returnedTokenIds(completion);
    return {
      content,
      tokenIds: ids.completion ?? tokenIdsFrom(tokens.map((token) => token.token)),
      ...(ids.prompt ? { promptTokenIds: ids.prompt } : {}),
      logprobs: tokens.map((token) => token.logprob),
      usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
      model: completion.model ?? servedModel,
    };
  }
}

/** vLLM's `return_token_ids` answer fields (not in the OpenAI types); absent from other servers. */
function returnedTokenIds(completion: OpenAI.Chat.Completions.ChatCompletion): { prompt: number[] | null; completion: number[] | null } {
  const raw = completion as unknown as { prompt_token_ids?: unknown; choices: Array<{ token_ids?: unknown }> };
  const ids = (value: unknown) => (Array.isArray(value) && value.every((id) => Number.isInteger(id)) ? (value as number[]) : null);
  return { prompt: ids(raw.prompt_token_ids), completion: ids(raw.choices[0]?.token_ids) };
}
