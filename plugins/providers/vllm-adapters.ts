/**
 * A small client for vLLM's runtime LoRA endpoints (server started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True
 * and `--enable-lora --max-lora-rank 32`): load / unload an adapter, list served models. Every adapter version
 * gets a new name (`policy-v0007`), because vLLM caches adapters by name; rolling back is loading (or routing
 * to) the parent's name again. Used by the openai provider to serve new checkpoints.
 */
import { PluginError } from '../../core/errors.ts';

export interface VllmModel {
  id: string;
  /** For adapters: the base model they sit on; null for the base model itself. */
  parent: string | null;
  root: string | null;
}

export interface VllmAdapterClient {
  readonly endpoint: string;
  load(name: string, path: string): Promise<void>;
  unload(name: string): Promise<void>;
  listModels(): Promise<VllmModel[]>;
  /** Loads unless a model of that name is already served (a restarted sia, a rollback to a kept adapter). */
  ensureLoaded(name: string, path: string): Promise<'loaded' | 'already-loaded'>;
}

export interface VllmAdapterClientOptions {
  /** The server's URL, with or without the trailing /v1 (the OpenAI base URL works as is). */
  baseUrl: string;
  apiKey?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** `policy-v0007`: a name no earlier version used, sortable by version. */
export function servedAdapterName(version: number, prefix = 'policy'): string {
  if (!Number.isInteger(version) || version < 0) throw new PluginError('vllm', `adapter version must be a non-negative integer, got ${version}`);
  return `${prefix}-v${String(version).padStart(4, '0')}`;
}

export function createVllmAdapterClient(options: VllmAdapterClientOptions): VllmAdapterClient {
  const endpoint = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  const doFetch = options.fetch ?? fetch;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<string> {
    let response: Response;
    try {
      response = await doFetch(`${endpoint}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
    } catch (cause) {
      throw new PluginError('vllm', `${method} ${endpoint}${path} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
        hint: 'is the vLLM server running and reachable at this URL?',
        cause,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      const hint =
        response.status === 404 && path.includes('lora_adapter')
          ? 'start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True and --enable-lora --max-lora-rank 32 (or the adapter name is unknown)'
          : undefined;
      throw new PluginError('vllm', `${method} ${path} returned ${response.status}: ${errorMessage(text)}`, { hint });
    }
    return text;
  }

  const client: VllmAdapterClient = {
    endpoint,
    // vLLM answers 200 with a plain-text body on success; errors come as JSON with a message.
    load: async (name, path) => void (await call('POST', '/v1/load_lora_adapter', { lora_name: name, lora_path: path })),
    unload: async (name) => void (await call('POST', '/v1/unload_lora_adapter', { lora_name: name })),
    async listModels() {
      const parsed = JSON.parse(await call('GET', '/v1/models')) as { data?: Array<{ id: string; parent?: string | null; root?: string | null }> };
      if (!Array.isArray(parsed.data)) throw new PluginError('vllm', 'GET /v1/models: the answer has no data array');
      return parsed.data.map((model) => ({ id: model.id, parent: model.parent ?? null, root: model.root ?? null }));
    },
    async ensureLoaded(name, path) {
      const models = await client.listModels();
      if (models.some((model) => model.id === name)) return 'already-loaded';
      await client.load(name, path);
      return 'loaded';
    },
  };
  return client;
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: string; error?: { message?: string } | string };
    if (typeof parsed.error === 'string') return parsed.error;
    return parsed.error?.message ?? parsed.message ?? text;
  } catch {
    return text.slice(0, 500);
  }
}
