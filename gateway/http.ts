import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { createChatCompletions } from './chat-completions.ts';
import { GATEWAY_MODEL } from './chat-completions.ts';
import { type OpenAIErrorReply, openAIError } from './openai-errors.ts';
import { completionChunks } from './stream-chunks.ts';

export interface GatewayHttpOptions {
  complete: ReturnType<typeof createChatCompletions>;
  /** The adapter the policy serves now, shown on the model. */
  adapterId: () => string | null;
  /** The run calls without an x-sia-run-id header are recorded under (`sia serve`); none: such calls are refused. */
  defaultRunId?: string;
}

const sendError = (c: Context, reply: OpenAIErrorReply) => c.json(reply.body, reply.status);

/** OpenAI's `/v1` routes over the gateway's completion: chat completions (streamed or not) and the model list. */
export function createGatewayApp(options: GatewayHttpOptions): Hono {
  const app = new Hono();
  const model = () => ({ id: GATEWAY_MODEL, object: 'model', created: 0, owned_by: 'sia', adapter: options.adapterId() });

  app.get('/models', (c) => c.json({ object: 'list', data: [model()] }));
  app.get('/models/:id', (c) =>
    c.req.param('id') === GATEWAY_MODEL
      ? c.json(model())
      : sendError(
          c,
          openAIError(404, `The model \`${c.req.param('id')}\` does not exist; this gateway serves \`${GATEWAY_MODEL}\``, {
            param: 'model',
            code: 'model_not_found',
          }),
        ),
  );

  app.post('/chat/completions', async (c) => {
    const runId = c.req.header('x-sia-run-id') ?? options.defaultRunId ?? '';
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined) return sendError(c, openAIError(400, 'the request body is not JSON', { code: 'invalid_json' }));
    const reply = await options.complete(runId, c.req.header('x-sia-example-id') ?? null, body);
    if (reply.status !== 200) return sendError(c, reply);
    if (!reply.stream) return c.json(reply.body);
    const chunks = completionChunks(reply.body, reply.stream.includeUsage);
    return streamSSE(c, async (stream) => {
      for (const chunk of chunks) await stream.writeSSE({ data: JSON.stringify(chunk) });
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  // A sub-app's notFound is not consulted once mounted, so the catch-all is a route.
  app.all('*', (c) =>
    sendError(
      c,
      openAIError(404, `${c.req.method} ${c.req.path}: this gateway serves only chat completions and models (no completions, embeddings or other endpoints)`, {
        code: 'unknown_url',
      }),
    ),
  );
  return app;
}
