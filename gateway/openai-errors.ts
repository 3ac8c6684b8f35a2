/** Errors as OpenAI's API sends them, so the official SDKs raise their own typed errors for sia's answers. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface OpenAIErrorReply {
  status: 400 | 401 | 403 | 404 | 413 | 415 | 502;
  body: OpenAIErrorBody;
}

export function openAIError(
  status: OpenAIErrorReply['status'],
  message: string,
  options: { param?: string | null; code?: string | null } = {},
): OpenAIErrorReply {
  const type = status === 401 ? 'authentication_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { status, body: { error: { message, type, param: options.param ?? null, code: options.code ?? null } } };
}
