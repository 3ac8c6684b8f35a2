/**
 * Scoring given token ids under a served model, the vLLM way: POST /v1/completions with the ids as `prompt`,
 * `prompt_logprobs: 0` and one greedy token; `choices[0].prompt_logprobs` holds, per prompt token, null for the
 * first and else a map from token id to { logprob, rank, decoded_token } that includes the token itself.
 * gpu/sia_worker/serve_score.py answers the same request, so the serving-parity check runs against either.
 */
import type OpenAI from 'openai';
import { PluginError } from '../../core/errors.ts';

type PromptLogprobs = Array<Record<string, { logprob: number }> | null>;

export async function scorePromptTokens(client: OpenAI, model: string, tokenIds: number[]): Promise<Array<number | null>> {
  let completion: OpenAI.Completions.Completion;
  try {
    const body = { model, prompt: tokenIds, max_tokens: 1, temperature: 0, prompt_logprobs: 0 };
    completion = await client.completions.create(body as OpenAI.Completions.CompletionCreateParamsNonStreaming);
  } catch (error) {
    throw new PluginError('openai-policy', `completions.create (prompt_logprobs) failed for model ${model}: ${(error as Error).message}`);
  }
  const scored = (completion.choices[0] as unknown as { prompt_logprobs?: PromptLogprobs } | undefined)?.prompt_logprobs;
  if (!Array.isArray(scored) || scored.length !== tokenIds.length) {
    throw new PluginError('openai-policy', `model ${model} answered no prompt_logprobs for ${tokenIds.length} tokens: the server cannot score token ids`);
  }
  return tokenIds.map((id, index) => {
    const entry = scored[index]?.[String(id)];
    if (index > 0 && typeof entry?.logprob !== 'number') throw new PluginError('openai-policy', `model ${model}: prompt_logprobs[${index}] lacks token ${id}`);
    return index === 0 ? null : (entry as { logprob: number }).logprob;
  });
}
