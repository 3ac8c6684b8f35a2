/**
 * gpu/'s policy server (sia_worker.serve: transformers + peft behind vLLM's OpenAI API) as a real child process,
 * driven by the official `openai` SDK and by sia's own clients (createOpenAIPolicy, the vLLM adapter client): the
 * client/server pair the weights loop uses, proven without vLLM. Needs gpu/.venv: without it every test fails
 * with the command that makes it.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError } from '../core/errors.ts';
import type { ChatRequest } from '../core/ports/policy-model.ts';
import { createOpenAIPolicy } from '../plugins/providers/openai-policy.ts';
import { createVllmAdapterClient } from '../plugins/providers/vllm-adapters.ts';
import { POLICY_CONTRACT_REQUESTS, policyModelContract } from './contracts/policy-model.case.ts';
import { type PolicyServer, startPolicyServer, TINY_SERVED_NAME } from './support/policy-server.ts';

const BASE = TINY_SERVED_NAME;
// The tiny tokenizer is byte-level: an ASCII answer is one token per character, then <|return|> (id 260) ends it.
const EOS_ID = 260;
const MESSAGES = [{ role: 'user' as const, content: 'Name the charge.' }];

let shared: Promise<PolicyServer> | null = null;
/** One server for the whole file: it takes seconds to start on CPU. */
const server = () => (shared ??= startPolicyServer());
let adapterDir = '';

// Started before any test (the contract's included) so a slow start on a busy box meets this long hook timeout,
// not the 30 s test timeout.
beforeAll(async () => void (await server()), 180_000);

afterAll(async () => {
  if (shared) await (await shared).close();
}, 60_000);

policyModelContract('openai policy vs sia_worker.serve (tiny gpt-oss)', async () => {
  const { url } = await server();
  return { policy: createOpenAIPolicy({ baseURL: `${url}/v1`, model: BASE, maxRetries: 0 }), deterministicForSeed: true };
});

describe('policy server (sia_worker.serve) through the openai SDK', () => {
  let client: OpenAI;
  let url: string;
  type Extra = Record<string, unknown>;
  const create = (body: Extra) =>
    client.chat.completions.create({ model: BASE, messages: MESSAGES, ...body } as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming);
  /** vLLM's extra answer fields, absent from the SDK's types. */
  const ids = (completion: OpenAI.Chat.Completions.ChatCompletion) => {
    const raw = completion as unknown as { prompt_token_ids: number[]; choices: Array<{ token_ids: number[] }> };
    return { prompt: raw.prompt_token_ids, completion: raw.choices[0]!.token_ids };
  };
  const logprobsOf = (completion: OpenAI.Chat.Completions.ChatCompletion) => completion.choices[0]!.logprobs!.content!.map((entry) => entry.logprob);

  beforeAll(async () => {
    ({ url } = await server());
    client = new OpenAI({ apiKey: 'no-key', baseURL: `${url}/v1`, maxRetries: 0 });
    adapterDir = (await server()).makeAdapter('adapter-a');
  }, 240_000);

  it('lists the base model in vLLM shape', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => ({ ...m }))).toEqual([expect.objectContaining({ id: BASE, object: 'model', parent: null, root: (await server()).modelDir })]);
  });

  it('samples reproducibly for a seed, with logprobs, top_logprobs, token ids and usage', async () => {
    const body = { max_tokens: 8, seed: 3, temperature: 0.9, logprobs: true, top_logprobs: 2, return_token_ids: true };
    const first = await create(body);
    const again = await create(body);
    const other = await create({ ...body, seed: 4 });
    const choice = first.choices[0]!;
    expect(ids(first).completion).toHaveLength(8);
    expect(ids(again)).toEqual(ids(first));
    expect(ids(other).completion).not.toEqual(ids(first).completion);
    expect(logprobsOf(again)).toEqual(logprobsOf(first));
    expect(choice.finish_reason).toBe('length');
    expect(choice.logprobs!.content).toHaveLength(8);
    for (const entry of choice.logprobs!.content!) {
      expect(entry.logprob).toBeLessThan(0);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]!.logprob).toBeGreaterThanOrEqual(entry.logprob);
      expect(entry.bytes!.length).toBeGreaterThan(0);
    }
    expect(ids(first).prompt.length).toBeGreaterThan(MESSAGES[0]!.content.length);
    expect(first.usage).toEqual({ prompt_tokens: ids(first).prompt.length, completion_tokens: 8, total_tokens: ids(first).prompt.length + 8 });
    expect(first.model).toBe(BASE);
  });

  it('answers guided_choice (extra body) with one choice spelled as its tokens then eos', async () => {
    const choices = ['theft', 'fraud', 'robbery'];
    const completion = await create({ guided_choice: choices, temperature: 0, logprobs: true, return_token_ids: true, return_tokens_as_token_ids: true });
    const content = completion.choices[0]!.message.content!;
    expect(choices).toContain(content);
    expect(ids(completion).completion).toHaveLength(content.length + 1);
    expect(ids(completion).completion.at(-1)).toBe(EOS_ID);
    expect(completion.choices[0]!.logprobs!.content!.map((e) => e.token)).toEqual(ids(completion).completion.map((id) => `token_id:${id}`));
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    const again = await create({ structured_outputs: { choice: choices }, temperature: 0 });
    expect(again.choices[0]!.message.content).toBe(content);
  });

  it('loads an adapter whose logprobs differ from the base, lists it, and unloads it', async () => {
    const load = await fetch(`${url}/v1/load_lora_adapter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lora_name: 'policy-v0001', lora_path: adapterDir }),
    });
    expect([load.status, await load.text()]).toEqual([200, "Success: LoRA adapter 'policy-v0001' added successfully."]);
    const listed = (await client.models.list()).data.map((m) => ({ ...m }) as unknown as { id: string; parent: string | null; root: string });
    expect(listed.map(({ id, parent, root }) => ({ id, parent, root }))).toEqual([
      { id: BASE, parent: null, root: (await server()).modelDir },
      { id: 'policy-v0001', parent: BASE, root: adapterDir },
    ]);
    // One guided choice forces the same tokens under both models, so only the logprobs can differ.
    const forced = { guided_choice: ['theft'], temperature: 0, logprobs: true, return_token_ids: true };
    const base = await create(forced);
    const tuned = await create({ ...forced, model: 'policy-v0001' });
    expect(tuned.model).toBe('policy-v0001');
    expect(ids(tuned).completion).toEqual(ids(base).completion);
    const gaps = logprobsOf(tuned).map((logprob, i) => Math.abs(logprob - logprobsOf(base)[i]!));
    expect(Math.max(...gaps)).toBeGreaterThan(0.01);
    const unload = await fetch(`${url}/v1/unload_lora_adapter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lora_name: 'policy-v0001' }),
    });
    expect([unload.status, await unload.text()]).toEqual([200, "Success: LoRA adapter 'policy-v0001' removed successfully."]);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([BASE]);
    expect(logprobsOf(await create(forced))).toEqual(logprobsOf(base));
    await expect(create({ ...forced, model: 'policy-v0001' })).rejects.toMatchObject({ status: 404, message: expect.stringContaining('does not exist') });
  });

  it('answers errors in OpenAI shape with vLLM statuses', async () => {
    await expect(create({ n: 2 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(create({ model: 'nope' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const adapters = createVllmAdapterClient({ baseUrl: `${url}/v1` });
    await adapters.load('dup', adapterDir);
    await expect(adapters.load('dup', adapterDir)).rejects.toThrow(/returned 400: The lora adapter 'dup' has already been loaded/);
    await adapters.unload('dup');
    await expect(adapters.unload('dup')).rejects.toThrow(/returned 404: The lora adapter 'dup' cannot be found/);
    await expect(adapters.load('bad', `${adapterDir}-missing`)).rejects.toBeInstanceOf(PluginError);
    const raw = await fetch(`${url}/v1/unload_lora_adapter`, { method: 'POST', body: JSON.stringify({ lora_name: 'never' }) });
    expect(raw.status).toBe(404);
    expect(await raw.json()).toEqual({ error: { message: "The lora adapter 'never' cannot be found.", type: 'NotFoundError', param: null, code: 404 } });
  });
});

describe('createOpenAIPolicy against sia_worker.serve: one rollout, then the same through a runtime-loaded adapter', () => {
  it('returns the prompt and completion token ids a training row needs, and serves the adapter it loads', async () => {
    const { url } = await server();
    const policy = createOpenAIPolicy({ baseURL: `${url}/v1`, model: BASE, maxRetries: 0 });
    const request = POLICY_CONTRACT_REQUESTS[0]!;
    const rollout = await policy.chat(request);
    expect(request.guidedChoice).toContain(rollout.content);
    expect(rollout.tokenIds).toHaveLength(rollout.content.length + 1);
    expect(rollout.tokenIds.at(-1)).toBe(EOS_ID);
    expect(rollout.logprobs).toHaveLength(rollout.tokenIds.length);
    expect(rollout.promptTokenIds!.length).toBe(rollout.usage.promptTokens);
    expect(rollout.usage.completionTokens).toBe(rollout.tokenIds.length);
    const freeText = await policy.chat({ model: 'policy', messages: MESSAGES, maxTokens: 5, seed: 1, logprobs: true });
    expect([freeText.tokenIds.length, freeText.logprobs.length]).toEqual([5, 5]);

    const forced: ChatRequest = { ...request, guidedChoice: [rollout.content], temperature: 0 };
    const onBase = await policy.chat(forced);
    const dir = adapterDir || (await server()).makeAdapter('adapter-b');
    await policy.useAdapter({ adapterId: 'policy-v0002', dir });
    expect(policy.serving).toEqual({ name: 'policy-v0002', endpoint: `${url}/v1` });
    const onAdapter = await policy.chat(forced);
    expect(onAdapter.model).toBe('policy-v0002');
    expect(onAdapter.tokenIds).toEqual(onBase.tokenIds);
    expect(onAdapter.logprobs).not.toEqual(onBase.logprobs);
    // A second policy (a restarted sia) finds the adapter already served instead of failing on a duplicate load.
    const restarted = createOpenAIPolicy({ baseURL: `${url}/v1`, model: BASE, maxRetries: 0 });
    await restarted.useAdapter({ adapterId: 'policy-v0002', dir });
    expect((await restarted.chat(forced)).logprobs).toEqual(onAdapter.logprobs);
    await policy.useAdapter(null);
    expect((await policy.chat(forced)).logprobs).toEqual(onBase.logprobs);
  });
});
