/** The vLLM adapter client against a local Hono server speaking vLLM's runtime LoRA endpoints on 127.0.0.1. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginError } from '../core/errors.ts';
import { createVllmAdapterClient, servedAdapterName } from '../plugins/providers/vllm-adapters.ts';
import { type FakeVllm, startFakeVllm } from './gpu-fake-vllm.ts';

function adapterFolder(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 32 }));
  return dir;
}

describe('vLLM adapter hot-load', () => {
  let vllm: FakeVllm;
  const root = mkdtempSync(join(tmpdir(), 'sia-vllm-'));
  beforeAll(async () => {
    vllm = await startFakeVllm();
  });
  afterAll(async () => {
    await vllm.close();
  });

  it('names each version uniquely', () => {
    expect(servedAdapterName(7)).toBe('policy-v0007');
    expect(servedAdapterName(12, 'trimul')).toBe('trimul-v0012');
    expect(() => servedAdapterName(-1)).toThrow(PluginError);
  });

  it('loads, lists and unloads adapters, accepting the OpenAI-style base URL', async () => {
    const client = createVllmAdapterClient({ baseUrl: vllm.url });
    expect(client.endpoint).toBe(vllm.url.replace(/\/v1$/, ''));
    await client.load('policy-v0001', adapterFolder(root, 'policy-v0001'));
    await client.load('policy-v0002', adapterFolder(root, 'policy-v0002'));
    const models = await client.listModels();
    expect(models.map((m) => m.id)).toEqual(['openai/gpt-oss-120b', 'policy-v0001', 'policy-v0002']);
    expect(models[1]).toMatchObject({ parent: 'openai/gpt-oss-120b', root: join(root, 'policy-v0001') });
    await client.unload('policy-v0001');
    expect((await client.listModels()).map((m) => m.id)).not.toContain('policy-v0001');
  });

  it('surfaces vLLM errors with the status and message: duplicate name, missing adapter, unknown unload', async () => {
    const client = createVllmAdapterClient({ baseUrl: `${vllm.url}/` });
    await client.load('policy-v0003', adapterFolder(root, 'policy-v0003'));
    await expect(client.load('policy-v0003', join(root, 'policy-v0003'))).rejects.toThrow(/400: The lora adapter 'policy-v0003' has already been loaded/);
    await expect(client.load('policy-v0004', join(root, 'missing'))).rejects.toThrow(/400: No adapter found/);
    const unknown = await client.unload('policy-v9999').catch((error: unknown) => error as PluginError);
    expect(unknown).toBeInstanceOf(PluginError);
    expect(unknown?.message).toMatch(/404/);
    expect(unknown?.hint).toMatch(/VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/);
  });

  it('ensureLoaded makes a rollback or a restarted sia idempotent', async () => {
    const client = createVllmAdapterClient({ baseUrl: vllm.url });
    const dir = adapterFolder(root, 'policy-v0005');
    expect(await client.ensureLoaded('policy-v0005', dir)).toBe('loaded');
    expect(await client.ensureLoaded('policy-v0005', dir)).toBe('already-loaded');
    expect(vllm.adapters.get('policy-v0005')).toBe(dir);
  });

  it('reports an unreachable server as a plugin error with a hint', async () => {
    const client = createVllmAdapterClient({ baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 2000 });
    await expect(client.listModels()).rejects.toThrow(PluginError);
  });
});
