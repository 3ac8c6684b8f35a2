/**
 * The openai policy's scoreTokens (plugins/providers/vllm-score.ts) against real HTTP servers on loopback: one
 * answering vLLM's prompt_logprobs shape, one without the route (the serving-parity check then records why it skipped).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIPolicy } from '../plugins/providers/openai-policy.ts';

let server: Server;
let baseURL = '';
const requests: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const parsed = JSON.parse(body || '{}') as { model: string; prompt: number[] };
      requests.push(parsed);
      response.setHeader('content-type', 'application/json');
      if (request.url !== '/v1/completions' || parsed.model !== 'scoring') {
        response.statusCode = 404;
        return response.end(JSON.stringify({ error: { message: 'Not Found', type: 'NotFoundError', code: 404 } }));
      }
      const scored = parsed.prompt.map((id, index) =>
        index === 0 ? null : { [String(id)]: { logprob: -id / 10, rank: 1, decoded_token: 'x' }, '999': { logprob: -0.01, rank: 1, decoded_token: 'y' } },
      );
      response.end(
        JSON.stringify({
          id: 'c',
          object: 'text_completion',
          created: 0,
          model: parsed.model,
          choices: [{ index: 0, text: 'z', logprobs: null, finish_reason: 'length', prompt_logprobs: scored }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => server.close());

describe('scoring token ids under the served model (vLLM prompt_logprobs)', () => {
  it("sends the ids as the prompt with prompt_logprobs 0 and reads each token's own logprob, null for the first", async () => {
    const policy = createOpenAIPolicy({ baseURL, model: 'scoring', maxRetries: 0 });
    expect(await policy.scoreTokens!([3, 5, 7])).toEqual([null, -0.5, -0.7]);
    expect(requests.at(-1)).toMatchObject({ model: 'scoring', prompt: [3, 5, 7], max_tokens: 1, temperature: 0, prompt_logprobs: 0 });
  });

  it('a server without the route fails with a one-line error naming the model', async () => {
    const policy = createOpenAIPolicy({ baseURL, model: 'chat-only', maxRetries: 0 });
    await expect(policy.scoreTokens!([3, 5])).rejects.toThrow(/^\[openai-policy\] completions\.create \(prompt_logprobs\) failed for model chat-only: 404/);
  });
});
