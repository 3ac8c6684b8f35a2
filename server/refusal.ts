import type { Context } from 'hono';
import { type OpenAIErrorReply, openAIError } from '../gateway/openai-errors.ts';

export interface Refusal {
  status: OpenAIErrorReply['status'];
  /** sia's error name, e.g. `Unauthorized`. */
  error: string;
  message: string;
  /** The header or field at fault. */
  field?: string;
  hint?: string;
}

/**
 * A request refused before any route ran, in the shape its client expects: OpenAI's error object under /v1
 * (so the SDKs raise their typed errors), sia's everywhere else.
 */
export function refuse(c: Context, refusal: Refusal): Response {
  if (c.req.path === '/v1' || c.req.path.startsWith('/v1/')) {
    const reply = openAIError(refusal.status, refusal.hint ? `${refusal.message} (${refusal.hint})` : refusal.message, {
      param: refusal.field ?? null,
      code: refusal.error,
    });
    return c.json(reply.body, reply.status);
  }
  const { status, ...body } = refusal;
  return c.json({ ...body, fault: 'user' }, status);
}
