import type { ChatCompletion } from './chat-completions.ts';

/**
 * A finished completion as the `chat.completion.chunk` sequence OpenAI streams: the role, the content with its
 * logprobs, the finish reason, then (when `stream_options.include_usage`) a last chunk with no choices and the
 * usage, every earlier chunk carrying `usage: null`. The policy answers whole, so the content is one chunk.
 */
export function completionChunks(completion: ChatCompletion, includeUsage: boolean) {
  const [choice] = completion.choices;
  const chunk = (choices: unknown[], usage: ChatCompletion['usage'] | null = null) => ({
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  const chunks = [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    chunk([{ index: 0, delta: { content: choice!.message.content }, logprobs: choice!.logprobs, finish_reason: null }]),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: choice!.finish_reason }]),
  ];
  if (includeUsage) chunks.push(chunk([], completion.usage));
  return chunks;
}
