/**
 * A local Hono server on 127.0.0.1 that speaks vLLM's runtime LoRA endpoints: POST /v1/load_lora_adapter,
 * POST /v1/unload_lora_adapter, GET /v1/models. Like vLLM it answers 200 with plain text on success, 400 for a
 * duplicate name or an adapter folder without adapter_config.json, 404 for unloading an unknown name.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

export interface FakeVllm {
  url: string;
  adapters: Map<string, string>;
  close(): Promise<void>;
}

export async function startFakeVllm(baseModel = 'openai/gpt-oss-120b'): Promise<FakeVllm> {
  const adapters = new Map<string, string>();
  const app = new Hono();
  const fail = (message: string, status: 400 | 404) => Response.json({ object: 'error', message, type: 'BadRequestError', code: status }, { status });
  app.post('/v1/load_lora_adapter', async (c) => {
    const body = (await c.req.json()) as { lora_name?: string; lora_path?: string };
    if (!body.lora_name || !body.lora_path) return fail('both lora_name and lora_path must be provided.', 400);
    if (adapters.has(body.lora_name)) return fail(`The lora adapter '${body.lora_name}' has already been loaded.`, 400);
    if (!existsSync(join(body.lora_path, 'adapter_config.json'))) return fail(`No adapter found for ${body.lora_path}`, 400);
    adapters.set(body.lora_name, body.lora_path);
    return c.text(`Success: LoRA adapter '${body.lora_name}' added successfully.`);
  });
  app.post('/v1/unload_lora_adapter', async (c) => {
    const body = (await c.req.json()) as { lora_name?: string };
    if (!body.lora_name || !adapters.delete(body.lora_name)) return fail(`The lora adapter '${body.lora_name}' cannot be found.`, 404);
    return c.text(`Success: LoRA adapter '${body.lora_name}' removed successfully.`);
  });
  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: [
        { id: baseModel, object: 'model', root: baseModel, parent: null },
        ...[...adapters].map(([id, path]) => ({ id, object: 'model', root: path, parent: baseModel })),
      ],
    }),
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    adapters,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
