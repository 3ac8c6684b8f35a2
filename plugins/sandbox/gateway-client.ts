/**
 * The parent's side of ctx.llm.chat: the child has no network at all, so it hands each chat request over IPC
 * and the parent POSTs it to the gateway, tagging it with the run and the example in flight (taken from the
 * parent's own bookkeeping, never from the child's word).
 */
import { PluginError, ValidationError } from '../../core/errors.ts';
import { ScaffoldChatRequestSchema } from './protocol.ts';

/** The gateway's completion without HTTP (server/gateway.ts createChatCompletions), for a loop in this process. */
export type DirectGatewayCall = (runId: string, exampleId: string | null, body: unknown) => Promise<{ status: number; body: unknown }>;

export interface GatewayChatCall {
  gatewayUrl: string;
  direct?: DirectGatewayCall;
  runId: string;
  exampleId: string;
  request: unknown;
  signal: AbortSignal;
}

export interface GatewayChatAnswer {
  content: string;
  logprobs: number[];
}

export async function postChatToGateway(call: GatewayChatCall): Promise<GatewayChatAnswer> {
  const parsed = ScaffoldChatRequestSchema.safeParse(call.request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(issue?.message ?? 'invalid request', `ctx.llm.chat request.${issue?.path.join('.') ?? ''}`);
  }
  const request = parsed.data;
  const body = {
    model: 'policy',
    messages: request.messages,
    guided_choice: request.guidedChoice,
    temperature: request.temperature,
    max_tokens: request.maxTokens,
    logprobs: true,
  };
  // The example may have ended (timed out, crashed) while this call waited: it is refused, not recorded.
  if (call.signal.aborted) throw new PluginError('sandbox', `example ${call.exampleId} has ended: its model call is refused`);
  if (call.direct) {
    const reply = await call.direct(call.runId, call.exampleId, body);
    if (reply.status !== 200) throw new PluginError('sandbox', `gateway answered ${reply.status}: ${JSON.stringify(reply.body).slice(0, 500)}`);
    return completionAnswer(reply.body as CompletionBody);
  }
  const response = await fetch(`${call.gatewayUrl.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sia-run-id': call.runId, 'x-sia-example-id': call.exampleId },
    body: JSON.stringify(body),
    signal: call.signal,
  });
  const text = await response.text();
  if (!response.ok) throw new PluginError('sandbox', `gateway answered ${response.status}: ${text.slice(0, 500)}`);
  let parsedBody: CompletionBody;
  try {
    parsedBody = JSON.parse(text);
  } catch {
    throw new PluginError('sandbox', `gateway answered something that is not JSON: ${text.slice(0, 200)}`);
  }
  return completionAnswer(parsedBody);
}

type CompletionBody = { choices?: Array<{ message?: { content?: unknown }; logprobs?: { content?: Array<{ logprob?: unknown }> } | null }> };

function completionAnswer(body: CompletionBody): GatewayChatAnswer {
  const choice = body.choices?.[0];
  if (!choice || typeof choice.message?.content !== 'string') {
    throw new PluginError('sandbox', 'gateway answer has no choices[0].message.content string');
  }
  const logprobs = (choice.logprobs?.content ?? []).map((token) => Number(token.logprob));
  return { content: choice.message.content, logprobs };
}
