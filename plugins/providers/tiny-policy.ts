/**
 * The embedded policy model: the tiny in-process LoRA policy (core/tiny/) behind the PolicyModel port.
 * It serves guided choice only (vLLM's guided_choice): the completion is one of the candidates, tokenIds is the
 * chosen index and logprobs its log-probability, which is exactly what the trainer needs back in its rows.
 */
import { ValidationError } from '../../core/errors.ts';
import type { AdapterRef, ChatRequest, ChatResponse, PolicyModel } from '../../core/ports/policy-model.ts';
import type { TinyAdapter } from '../../core/tiny/adapter.ts';
import { chatPromptText } from '../../core/tiny/choice-context.ts';
import type { CandidateCache } from '../../core/tiny/features.ts';
import { argmax, createBaseWeights, DEFAULT_TINY_CONFIG, encodeServedChoice, forward, sampleIndex, type TinyModelConfig } from '../../core/tiny/model.ts';
import { deriveSeed, seededRandom } from '../../core/tiny/random.ts';
import { readTinyAdapter } from '../trainers/adapter-files.ts';

export interface TinyPolicyOptions {
  id?: string;
  /** Base weights and feature sizes; trainer and policy must agree (adapters record the revision). */
  model?: Partial<TinyModelConfig>;
  /** Seeds the sampling stream of requests that carry no seed of their own. */
  samplingSeed?: number;
}

export function createTinyPolicy(options: TinyPolicyOptions = {}): PolicyModel {
  const config: TinyModelConfig = { ...DEFAULT_TINY_CONFIG, ...options.model };
  const base = createBaseWeights(config);
  // Scaffolds send the same candidate lists again and again (191 charges): their prompt-free features are cached.
  const candidateCache: CandidateCache = new Map();
  const unseeded = seededRandom(deriveSeed(options.samplingSeed ?? 0, 'tiny-policy-sampling'));
  let adapter: TinyAdapter | null = null;
  let adapterId: string | null = null;

  async function chat(request: ChatRequest): Promise<ChatResponse> {
    const candidates = request.guidedChoice;
    if (!candidates) {
      throw new ValidationError(
        'the tiny policy serves guided choice only: send guided_choice with the candidate answers (free text needs an OpenAI-compatible model)',
        'guidedChoice',
      );
    }
    if (candidates.length === 0) throw new ValidationError('needs at least one candidate', 'guidedChoice');
    if (!Array.isArray(request.messages) || request.messages.length === 0) throw new ValidationError('needs at least one message', 'messages');
    const temperature = request.temperature ?? 1;
    if (!(temperature >= 0)) throw new ValidationError('must be ≥ 0', 'temperature');
    const input = encodeServedChoice(config, adapter, chatPromptText(request.messages), candidates, candidateCache);
    // Greedy at temperature 0, reporting the temperature-1 logprob of the argmax (what training sees).
    const pass = forward(base, adapter, input, temperature > 0 ? temperature : 1);
    const random = request.seed === null || request.seed === undefined ? unseeded : seededRandom(deriveSeed(request.seed, 'request'));
    const chosen = temperature > 0 ? sampleIndex(pass.logprobs, random) : argmax(pass.scores);
    return {
      content: candidates[chosen],
      tokenIds: [chosen],
      logprobs: [pass.logprobs[chosen]],
      usage: { promptTokens: input.prompt.tokenCount, completionTokens: 1 },
      model: request.model,
    };
  }

  async function useAdapter(ref: AdapterRef | null): Promise<void> {
    if (ref === null) {
      adapter = null;
      adapterId = null;
      return;
    }
    const loaded = readTinyAdapter(ref.dir, config);
    if (loaded.manifest.adapter_id !== ref.adapterId) {
      throw new ValidationError(`directory ${ref.dir} holds adapter ${loaded.manifest.adapter_id}, not ${ref.adapterId}`, 'adapterId');
    }
    adapter = loaded.adapter;
    adapterId = ref.adapterId;
  }

  return {
    id: options.id ?? 'tiny',
    flags: { guidedChoice: true, freeText: false, logprobs: true },
    chat,
    useAdapter,
    get adapterId() {
      return adapterId;
    },
    prices: { inputPerMillion: 0, outputPerMillion: 0 },
  };
}
