import { z } from 'zod';
import { isSiaError, ValidationError } from '../core/errors.ts';
import type { Usage } from '../core/events/index.ts';
import { addUsage } from '../core/loop/state.ts';
import type { ChatMessage, ChatResponse, PolicyModel } from '../core/ports/policy-model.ts';
import { type OpenAIErrorReply, openAIError } from './openai-errors.ts';
import type { RunRegistry } from './run-registry.ts';

/** The one model the gateway serves: the policy, with whatever adapter it has now. */
export const GATEWAY_MODEL = 'policy';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const Message = z.object({
  // OpenAI's newer `developer` role is its `system` role under another name.
  role: z.enum(['system', 'developer', 'user', 'assistant']).transform((role) => (role === 'developer' ? 'system' : role)),
  content: z.union([z.string(), z.array(TextPart).transform((parts) => parts.map((part) => part.text).join(''))]),
});

const ChatBody = z.object({
  model: z.string(),
  messages: z.array(Message).min(1),
  guided_choice: z.array(z.string()).min(1).optional(),
  structured_outputs: z.object({ choice: z.array(z.string()).min(1).optional() }).optional(),
  temperature: z.number().min(0).max(5).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  n: z.number().int().min(1).nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  tools: z.array(z.unknown()).nullish(),
  functions: z.array(z.unknown()).nullish(),
});
type ChatBody = z.infer<typeof ChatBody>;

export interface GatewayOptions {
  policy: () => PolicyModel;
  runs: RunRegistry;
  now?: () => number;
}

/** An OpenAI `chat.completion` object. */
export type ChatCompletion = ReturnType<typeof toOpenAIResponse>;

/** A chat completion (and how the caller asked to receive it), or an error in OpenAI's shape. */
export type CompletionReply = { status: 200; body: ChatCompletion; stream: { includeUsage: boolean } | null } | (OpenAIErrorReply & { stream?: undefined });

/** Parameters sia cannot honour are refused, never silently ignored. */
function unsupported(body: ChatBody): OpenAIErrorReply | null {
  if (body.tools?.length || body.functions?.length)
    return openAIError(400, 'this gateway serves a policy without tool calling: tools are not supported', {
      param: body.tools?.length ? 'tools' : 'functions',
      code: 'unsupported_parameter',
    });
  if ((body.n ?? 1) > 1)
    return openAIError(400, 'n > 1 is not supported: the gateway records one completion per call; send n separate calls', {
      param: 'n',
      code: 'unsupported_value',
    });
  if ((body.top_logprobs ?? 0) > 0)
    return openAIError(400, "top_logprobs is not supported: the policy reports only the sampled tokens' logprobs (ask logprobs: true)", {
      param: 'top_logprobs',
      code: 'unsupported_value',
    });
  if (body.model !== GATEWAY_MODEL)
    return openAIError(404, `The model \`${body.model}\` does not exist; this gateway serves \`${GATEWAY_MODEL}\` (GET /v1/models)`, {
      param: 'model',
      code: 'model_not_found',
    });
  return null;
}

/**
 * The OpenAI-compatible chat completion in front of the policy, without HTTP: validates the request body, asks
 * the policy and records every call as a run.step_recorded event (messages, completion, token ids, logprobs,
 * latency, usage) under the run it names. `guided_choice` as vLLM takes it. `sia serve` adapts it to HTTP;
 * the loop's sandbox parent calls it directly (same body, same recording).
 */
export function createChatCompletions(options: GatewayOptions) {
  const now = options.now ?? (() => performance.now());
  return async function complete(runId: string, exampleId: string | null, input: unknown): Promise<CompletionReply> {
    const run = options.runs.get(runId);
    if (!run)
      return openAIError(400, 'x-sia-run-id names no open run: the gateway records every call against a run', { param: 'x-sia-run-id', code: 'unknown_run' });
    const parsed = ChatBody.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return openAIError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid body'}`, {
        param: issue?.path.join('.') || null,
        code: 'invalid_value',
      });
    }
    const body = parsed.data;
    const refusal = unsupported(body);
    if (refusal) return refusal;
    const policy = options.policy();
    const messages: ChatMessage[] = body.messages;
    const guidedChoice = body.guided_choice ?? body.structured_outputs?.choice ?? null;
    const index = run.nextIndex++;
    const temperature = run.temperature ?? body.temperature ?? 0;
    const started = now();
    let response: ChatResponse;
    try {
      response = await policy.chat({
        model: body.model,
        messages,
        guidedChoice,
        temperature,
        maxTokens: body.max_completion_tokens ?? body.max_tokens ?? null,
        logprobs: true,
        seed: body.seed ?? run.seed * 100_003 + index,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.runs.record(runId, {
        id: `${runId}-step-${index}`,
        type: 'run.step_recorded',
        data: { runId, exampleId, index, step: { kind: 'error', errorKind: 'model', message } },
      });
      return isSiaError(error) && error instanceof ValidationError
        ? openAIError(400, message, { param: error.field ?? null })
        : openAIError(502, message, { code: 'policy_error' });
    }
    const latencyMs = now() - started;
    const costUsd = policy.prices
      ? (response.usage.promptTokens * policy.prices.inputPerMillion + response.usage.completionTokens * policy.prices.outputPerMillion) / 1e6
      : null;
    const usage: Usage = { ...response.usage, costUsd };
    run.usage = addUsage(run.usage, usage);
    options.runs.record(runId, {
      id: `${runId}-step-${index}`,
      type: 'run.step_recorded',
      data: {
        runId,
        exampleId,
        index,
        step: {
          kind: 'llm_call',
          model: response.model,
          request: options.runs.storedRequest({ messages, guidedChoice, temperature }),
          completion: response.content,
          tokenIds: response.tokenIds,
          ...(response.promptTokenIds?.length ? { promptTokenIds: response.promptTokenIds } : {}),
          logprobs: response.logprobs,
          latencyMs,
          usage,
        },
      },
    });
    return {
      status: 200,
      body: toOpenAIResponse(`${runId}-${index}`, response, usage, body.logprobs === true),
      stream: body.stream ? { includeUsage: body.stream_options?.include_usage === true } : null,
    };
  };
}

function toOpenAIResponse(id: string, response: ChatResponse, usage: Usage, withLogprobs: boolean) {
  const logprobs = withLogprobs
    ? {
        content: response.logprobs.map((logprob, i) => ({
          token: `token_id:${response.tokenIds[i] ?? -1}`,
          logprob,
          bytes: null,
          top_logprobs: [] as never[],
        })),
      }
    : null;
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion' as const,
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: response.content }, logprobs, finish_reason: 'stop' as const }],
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
  };
}
