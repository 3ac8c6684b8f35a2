/** The policy the task agent calls through the gateway: the tiny in-process model or an OpenAI-compatible server. */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** vLLM's guided_choice: the completion must be exactly one of these. */
  guidedChoice?: string[] | null;
  temperature?: number | null;
  maxTokens?: number | null;
  logprobs?: boolean;
  seed?: number | null;
}

export interface ChatResponse {
  content: string;
  /** Token ids as sampled (for the tiny policy: the chosen candidate's index). */
  tokenIds: number[];
  /** The prompt as the server tokenized it (vLLM's `prompt_token_ids`), where the server reports it. */
  promptTokenIds?: number[];
  logprobs: number[];
  usage: { promptTokens: number; completionTokens: number };
  model: string;
}

export interface AdapterRef {
  adapterId: string;
  /** Directory holding the PEFT layout (adapter_config.json, adapter_model.safetensors, manifest.json). */
  dir: string;
}

export interface PolicyModel {
  readonly id: string;
  readonly flags: { guidedChoice: boolean; freeText: boolean; logprobs: boolean };
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Serve this adapter from now on (null = base weights). */
  useAdapter(adapter: AdapterRef | null): Promise<void>;
  readonly adapterId: string | null;
  /** Where a served model answers: the name requests use now and the server's base URL (remote policies only). */
  readonly serving?: { name: string; endpoint: string };
  /**
   * The served model's logprob of each token given the ones before it (null for the first), by teacher forcing:
   * the serving-parity check compares these with the trainer's. Served policies only.
   */
  scoreTokens?(tokenIds: number[]): Promise<Array<number | null>>;
  /** Dollars per million tokens where known, for cost accounting. */
  readonly prices?: { inputPerMillion: number; outputPerMillion: number };
}
