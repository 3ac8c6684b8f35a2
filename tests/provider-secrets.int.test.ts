/**
 * A server that reflects the API key — in error bodies and in completions — through every OpenAI-protocol
 * provider, and through a whole `sia run --policy openai`: the key appears in no thrown message, no returned
 * value, no event of the database and no output of the CLI.
 */

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIAgents } from '../plugins/providers/openai-agents.ts';
import { createOpenAIPolicy } from '../plugins/providers/openai-policy.ts';
import { feedbackContext } from './support/agent-fixtures.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { siaAsync } from './support/scripted-agents.ts';

const KEY = 'sk-reflected-0123456789abcdef';
const env = { SIA_TEST_REFLECTED_KEY: KEY };
let server: LocalServer;

/** Answers every chat completion by quoting the bearer token: in a 500 error body when asked to fail, else as the content. */
function reflectingServer(): Hono {
  return new Hono().post('/v1/chat/completions', async (c) => {
    const token = c.req.header('authorization') ?? '';
    const body = (await c.req.json()) as { messages: { content: string }[] };
    if (body.messages.some((message) => message.content.includes('fail')))
      return c.json({ error: { message: `bad request with header ${token}`, type: 'server_error' } }, 500);
    return c.json({
      id: 'x',
      object: 'chat.completion',
      created: 0,
      model: 'reflector',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `you sent ${token}` }, logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
}

beforeAll(async () => {
  server = await startLocalServer(reflectingServer());
});
afterAll(() => server.close());

describe('API keys reflected by a server', () => {
  it('never leave the openai policy, thrown or returned', async () => {
    const policy = createOpenAIPolicy({ model: 'reflector', baseURL: `${server.url}/v1`, apiKeyEnv: 'SIA_TEST_REFLECTED_KEY', env, maxRetries: 0 });
    const answer = await policy.chat({ model: 'reflector', messages: [{ role: 'user', content: 'hello' }] });
    expect(answer.content).toBe('you sent Bearer [redacted]');
    const error = await policy.chat({ model: 'reflector', messages: [{ role: 'user', content: 'fail' }] }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toContain('[redacted]');
    expect(`${(error as Error).message}${(error as Error).stack}`).not.toContain(KEY);
    const guided = await policy
      .chat({ model: 'reflector', messages: [{ role: 'user', content: 'pick' }], guidedChoice: ['A', 'B'] })
      .catch((caught: Error) => caught);
    expect(`${(guided as Error).message}`).toMatch(/not one of the guided choices/);
    expect(`${(guided as Error).message}${(guided as Error).stack}`).not.toContain(KEY);
  });

  it('never leave the openai agents', async () => {
    const agents = createOpenAIAgents({
      model: 'reflector',
      baseURL: `${server.url}/v1`,
      apiKeyEnv: 'SIA_TEST_REFLECTED_KEY',
      env,
      maxRetries: 0,
      maxAttempts: 1,
    });
    const error = await agents.feedback
      .decide(feedbackContext({ task: { id: 'fail', description: 'fail', metricName: 'accuracy' } }))
      .catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(`${(error as Error).message}${(error as Error).stack}`).not.toContain(KEY);
  });

  it('never reach the database or the CLI output of a whole run with --policy openai', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sia-secrets-'));
    const config = join(dir, 'sia.config.json');
    writeFileSync(
      config,
      JSON.stringify({ policy: 'openai', openaiPolicy: { model: 'reflector', baseURL: `${server.url}/v1`, apiKeyEnv: 'SIA_TEST_REFLECTED_KEY' } }),
    );
    process.env.SIA_TEST_REFLECTED_KEY = KEY;
    try {
      const result = await siaAsync(['run', '--task', 'gsm8k', '--mode', 'h', '--iterations', '1', '--config', config, '--db', join(dir, 'sia.db')]);
      expect(result.status, result.stderr).toBe(0);
      expect(`${result.stdout}${result.stderr}`).not.toContain(KEY);
    } finally {
      delete process.env.SIA_TEST_REFLECTED_KEY;
    }
    const files = readdirSync(dir).filter((name) => name.startsWith('sia.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) expect(readFileSync(join(dir, name)).includes(KEY), name).toBe(false);
    expect(readFileSync(join(dir, 'sia.db')).includes('[redacted]')).toBe(true);
  });
});
