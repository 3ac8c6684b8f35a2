import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { servingGateway } from '../gateway/serving.ts';
import { type RunningServer, startServer } from '../server/serve.ts';

/** The official `openai` SDK as the client of `sia serve`'s gateway, on loopback, with the server's token. */
const TOKEN = 'sdk-test-token';
let store: EventStore;
let server: RunningServer;
let client: OpenAI;
const question = { model: 'policy', messages: [{ role: 'user' as const, content: 'Which charge fits theft of a bicycle?' }] };
const choices = ['theft', 'fraud', 'robbery'];
const llmCalls = () =>
  store.read({ types: ['run.step_recorded'] }).filter((event) => event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call');

beforeAll(async () => {
  const db = join(mkdtempSync(join(tmpdir(), 'sia-gw-sdk-')), 'sia.db');
  store = openSqliteEventStore(db);
  server = await startServer(store, { port: 0, token: TOKEN, gateway: await servingGateway(store, db) });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  store.close();
});

describe('sia serve /v1 through the official openai SDK', () => {
  it('answers a guided-choice completion passed as extra body, with logprobs when asked, and records it', async () => {
    const before = llmCalls().length;
    // @ts-expect-error guided_choice is vLLM's extension, sent as an extra body field
    const completion = await client.chat.completions.create({ ...question, guided_choice: choices, logprobs: true });
    expect(choices).toContain(completion.choices[0]!.message.content);
    expect(completion.choices[0]!.logprobs!.content![0]!.logprob).toBeLessThanOrEqual(0);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(llmCalls().length).toBe(before + 1);
  });

  it('streams SSE chunks ending in a usage chunk, and records the streamed call like any other', async () => {
    const before = llmCalls().length;
    const stream = await client.chat.completions.create({
      ...question,
      stream: true,
      stream_options: { include_usage: true },
      ...({ guided_choice: choices } as object),
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(choices).toContain(text);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    const calls = llmCalls();
    expect(calls.length).toBe(before + 1);
    const last = calls.at(-1)!;
    expect(last.type === 'run.step_recorded' && last.data.step.kind === 'llm_call' && last.data.step.completion).toBe(text);
  });

  it("streams without a usage chunk unless asked, through the SDK's stream helper", async () => {
    const stream = client.chat.completions.stream({ ...question, ...({ guided_choice: choices } as object) });
    const final = await stream.finalChatCompletion();
    expect(choices).toContain(final.choices[0]!.message.content);
    expect(final.usage ?? null).toBeNull();
  });

  it("refuses n > 1, top_logprobs and tools with a 400 naming the parameter, in OpenAI's error shape", async () => {
    const refused = async (extra: object) => {
      const error = await client.chat.completions.create({ ...question, guided_choice: choices, ...extra } as never).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      return error as InstanceType<typeof OpenAI.BadRequestError>;
    };
    expect((await refused({ n: 2 })).param).toBe('n');
    expect((await refused({ logprobs: true, top_logprobs: 3 })).param).toBe('top_logprobs');
    const tools = await refused({ tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] });
    expect(tools.param).toBe('tools');
    expect(tools.type).toBe('invalid_request_error');
    expect(tools.code).toBe('unsupported_parameter');
  });

  it('answers 404 for an unknown model, lists and retrieves the policy model', async () => {
    const error = await client.chat.completions.create({ ...question, model: 'gpt-4o' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['policy']);
    expect((await client.models.retrieve('policy')).id).toBe('policy');
    await expect(client.models.retrieve('gpt-4o')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('answers completions and embeddings with an OpenAI-shaped 404', async () => {
    const completions = await client.completions.create({ model: 'policy', prompt: 'hi' }).catch((caught: unknown) => caught);
    expect(completions).toBeInstanceOf(OpenAI.NotFoundError);
    const embeddings = await client.embeddings.create({ model: 'policy', input: 'hi' }).catch((caught: unknown) => caught);
    expect(embeddings).toBeInstanceOf(OpenAI.NotFoundError);
    const raw = await fetch(`${server.url}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(Object.keys((await raw.json()).error).sort()).toEqual(['code', 'message', 'param', 'type']);
  });

  it("answers a free-text request the tiny policy cannot serve with a 400 in OpenAI's shape, recorded as an error step", async () => {
    const error = await client.chat.completions.create(question).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('guided');
    const last = store.read({ types: ['run.step_recorded'] }).at(-1)!;
    expect(last.type === 'run.step_recorded' && last.data.step.kind).toBe('error');
  });
});
