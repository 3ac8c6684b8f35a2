/** A local server speaking Anthropic's Messages API: key auth (x-api-key or bearer), tool_use content blocks, usage; answers from a script. */
import { Hono } from 'hono';
import { type RecordedRequest, roughTokens, type ScriptedReply } from './scripted-replies.ts';

export function createAnthropicMessagesServer(options: { apiKey: string }) {
  const script: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const app = new Hono();

  app.post('/v1/messages', async (c) => {
    // The API takes the key as x-api-key; SDK 1.x sends it as a bearer token.
    const key = c.req.header('x-api-key') ?? c.req.header('authorization')?.replace(/^Bearer /, '');
    if (key !== options.apiKey) {
      return c.json({ type: 'error', error: { type: 'authentication_error', message: `invalid api key: ${key}` } }, 401);
    }
    if (!c.req.header('anthropic-version')) {
      return c.json({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } }, 400);
    }
    const body = (await c.req.json()) as Record<string, any>;
    requests.push({ headers: Object.fromEntries(Object.entries(c.req.header())), body });
    if (typeof body.max_tokens !== 'number') {
      return c.json({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } }, 400);
    }
    const reply = script.shift();
    if (!reply) return c.json({ type: 'error', error: { type: 'api_error', message: 'no scripted reply left' } }, 500);
    const toolName = body.tool_choice?.name ?? body.tools?.[0]?.name;
    const content =
      reply.kind === 'tool' && toolName
        ? [{ type: 'tool_use', id: `toolu_${requests.length}`, name: toolName, input: reply.input }]
        : [{ type: 'text', text: reply.kind === 'text' ? reply.text : JSON.stringify(reply.input) }];
    return c.json({
      id: `msg_${requests.length}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: content[0]?.type === 'tool_use' ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: roughTokens([body.system, body.messages]),
        output_tokens: roughTokens(content),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  return { app, requests, script: (...replies: ScriptedReply[]) => void script.push(...replies) };
}
