/**
 * A local server speaking OpenAI chat completions the way vLLM does: guided choice (`guided_choice` or
 * `structured_outputs.choice`), logprobs, `return_tokens_as_token_ids`, `return_token_ids` (prompt and completion
 * ids), seeds, LoRA adapters loaded and unloaded at runtime, bearer-key auth, and forced tool calls / json_object
 * replies answered from a script (for the agent tests).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { sha256Hex } from '../../core/hashing.ts';
import { type RecordedRequest, roughTokens, type ScriptedReply } from './scripted-replies.ts';

export interface OpenAIChatServerOptions {
  baseModel?: string;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Token ids are below this (default 50,000; the gpu/ toy backend needs < 4,096). */
  vocabSize?: number;
  /**
   * Where the server reads a `lora_path` (identity for a local box, the Volume folder for a Modal mount); when set,
   * loading a path without adapter_config.json fails as it does in vLLM.
   */
  resolveAdapterPath?: (path: string) => string;
  /** Temperature 0 picks the most likely choice whatever the seed, as vLLM's greedy sampling does. */
  greedyAtZeroTemperature?: boolean;
}

/** A number in [0, 1) from a string: the server's only source of "randomness", so a seed fixes the answer. */
function unitFromHash(text: string): number {
  return parseInt(sha256Hex(text).slice(0, 12), 16) / 2 ** 48;
}

function pickChoice(choices: string[], messages: unknown, seed: number | undefined, call: number, greedy = false) {
  const scores = choices.map((choice) => 4 * unitFromHash(`score|${JSON.stringify(messages)}|${choice}`));
  const top = Math.max(...scores);
  const weights = scores.map((score) => Math.exp(score - top));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (greedy) {
    const best = scores.indexOf(top);
    return { content: choices[best] as string, logprob: Math.log((weights[best] as number) / total) };
  }
  const draw = unitFromHash(`draw|${seed ?? `unseeded-${call}`}|${JSON.stringify(messages)}`) * total;
  let index = 0;
  for (let acc = weights[0] as number; acc < draw && index < choices.length - 1; acc += weights[index] as number) index += 1;
  return { content: choices[index] as string, logprob: Math.log((weights[index] as number) / total) };
}

export function createOpenAIChatServer(options: OpenAIChatServerOptions = {}) {
  const baseModel = options.baseModel ?? 'base-model';
  const adapters = new Set<string>();
  const script: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const loads: Array<{ name: string; path: string }> = [];
  const unloads: string[] = [];
  const vocabSize = options.vocabSize ?? 50_000;
  // One token per up-to-3 characters, its id a hash of the piece: a stable stand-in for a tokenizer.
  const tokenize = (text: string) =>
    (text.match(/[\s\S]{1,3}/g) ?? ['']).map((piece) => ({ piece, id: parseInt(sha256Hex(piece).slice(0, 6), 16) % vocabSize }));
  let calls = 0;
  const app = new Hono();

  app.use('/v1/*', async (c, next) => {
    if (options.apiKey && c.req.header('authorization') !== `Bearer ${options.apiKey}`) {
      // Echoes what it got, like some proxies do, so tests can check that clients scrub keys from errors.
      return c.json({ error: { message: `Incorrect API key provided: ${c.req.header('authorization')}`, type: 'invalid_request_error' } }, 401);
    }
    await next();
  });

  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: [baseModel, ...adapters].map((id) => ({ id, object: 'model', root: id, parent: id === baseModel ? null : baseModel })) }),
  );

  // vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING: loading an existing name is an error, success is plain text.
  app.post('/v1/load_lora_adapter', async (c) => {
    const body = (await c.req.json()) as { lora_name?: string; lora_path?: string };
    loads.push({ name: String(body.lora_name), path: String(body.lora_path) });
    if (!body.lora_name || !body.lora_path) return c.json({ error: { message: 'lora_name and lora_path are required' } }, 400);
    if (adapters.has(body.lora_name)) return c.json({ error: { message: `The lora adapter '${body.lora_name}' has already been loaded.` } }, 400);
    if (options.resolveAdapterPath && !existsSync(join(options.resolveAdapterPath(body.lora_path), 'adapter_config.json'))) {
      return c.json({ error: { message: `No adapter found for ${body.lora_path}` } }, 400);
    }
    adapters.add(body.lora_name);
    return c.text(`Success: LoRA adapter '${body.lora_name}' added successfully.`);
  });

  app.post('/v1/unload_lora_adapter', async (c) => {
    const body = (await c.req.json()) as { lora_name?: string };
    if (!body.lora_name || !adapters.delete(body.lora_name))
      return c.json({ error: { message: `The lora adapter '${body.lora_name}' cannot be found.` } }, 404);
    unloads.push(body.lora_name);
    return c.text(`Success: LoRA adapter '${body.lora_name}' removed successfully.`);
  });

  app.post('/v1/chat/completions', async (c) => {
    const body = (await c.req.json()) as Record<string, any>;
    requests.push({ headers: Object.fromEntries(Object.entries(c.req.header())), body });
    calls += 1;
    const model = String(body.model);
    if (model !== baseModel && !adapters.has(model)) {
      return c.json({ error: { message: `The model \`${model}\` does not exist.`, type: 'NotFoundError', code: 404 } }, 404);
    }
    const promptTokens = roughTokens(body.messages);
    const base = { id: `chatcmpl-${calls}`, object: 'chat.completion', created: 0, model };
    if (body.tools || body.response_format) {
      const reply = script.shift();
      if (!reply) return c.json({ error: { message: 'no scripted reply left', type: 'server_error' } }, 500);
      const toolName = body.tool_choice?.function?.name ?? body.tools?.[0]?.function?.name;
      const message =
        reply.kind === 'tool' && toolName
          ? {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: `call_${calls}`,
                  type: 'function',
                  function: { name: toolName, arguments: typeof reply.input === 'string' ? reply.input : JSON.stringify(reply.input) },
                },
              ],
            }
          : { role: 'assistant', content: reply.kind === 'text' ? reply.text : JSON.stringify(reply.input) };
      const completionTokens = roughTokens(message);
      return c.json({
        ...base,
        choices: [{ index: 0, message, finish_reason: message.content === null ? 'tool_calls' : 'stop', logprobs: null }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      });
    }
    const choices: string[] | undefined = body.structured_outputs?.choice ?? body.guided_choice;
    const picked = choices?.length
      ? pickChoice(choices, body.messages, body.seed, calls, options.greedyAtZeroTemperature && body.temperature === 0)
      : { content: 'free text answer', logprob: -1.5 };
    // The whole sequence's logprob sits on the first token.
    const pieces = tokenize(picked.content);
    const tokens = pieces.map(({ piece, id }, index) => {
      return {
        token: body.return_tokens_as_token_ids ? `token_id:${id}` : piece,
        logprob: index === 0 ? picked.logprob : -0.01,
        bytes: null,
        top_logprobs: [],
      };
    });
    // vLLM's `return_token_ids`: a chat template's rendering of the messages, then the completion's ids.
    const prompt = tokenize((body.messages as Array<{ role: string; content: string }>).map((m) => `<|${m.role}|>${m.content}`).join(''));
    const ids = body.return_token_ids ? { prompt_token_ids: prompt.map((token) => token.id) } : {};
    return c.json({
      ...base,
      ...ids,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: picked.content },
          finish_reason: 'stop',
          logprobs: body.logprobs ? { content: tokens } : null,
          ...(body.return_token_ids ? { token_ids: pieces.map((token) => token.id) } : {}),
        },
      ],
      usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length },
    });
  });

  return {
    app,
    baseModel,
    requests,
    loads,
    unloads,
    /** Serve an adapter under this name (what vLLM's /v1/load_lora_adapter does). */
    addAdapter: (name: string) => void adapters.add(name),
    script: (...replies: ScriptedReply[]) => void script.push(...replies),
  };
}
