import { Hono } from 'hono';
import { z } from 'zod';
import { isSiaError, ValidationError } from '../core/errors.ts';
import type { Usage } from '../core/events/index.ts';
import type { PolicyModel } from '../core/ports/policy-model.ts';
import type { EventStore, NewEvent } from '../core/ports/event-store.ts';
import { addUsage } from '../core/loop/state.ts';

const ChatBody = z.object({
  model: z.string().default('policy'),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  guided_choice: z.array(z.string()).min(1).optional(),
  structured_outputs: z.object({ choice: z.array(z.string()).min(1).optional() }).optional(),
  temperature: z.number().min(0).max(5).optional(),
  max_tokens: z.number().int().positive().optional(),
  logprobs: z.boolean().optional(),
  seed: z.number().int().optional(),
});

interface ActiveRun {
  nextIndex: number;
  usage: Usage;
  /** Rollouts sample the policy whatever temperature the scaffold asks for. */
  temperature: number | null;
  seed: number;
  /** Recorded steps not yet appended: written in batches, and always before the run closes. */
  pending: NewEvent[];
}


/**
 * Runs the gateway records calls for. A call naming no open run is refused (nothing goes unrecorded).
 * Steps are appended in batches per run (one transaction per batch instead of per call) and flushed when the
 * run closes, before its run.finished: a kill can only lose steps of an unfinished run, which resume repeats.
 */
export function createRunRegistry(store: EventStore, options: { flushEvery?: number } = {}) {
  const flushEvery = options.flushEvery ?? 32;
  const runs = new Map<string, ActiveRun>();
  const flush = (runId: string, run: ActiveRun) => {
    if (run.pending.length) store.append(`run-${runId}`, run.pending.splice(0));
  };
  return {
    open(runId: string, options: { temperature?: number | null; seed?: number } = {}) {
      runs.set(runId, { nextIndex: 0, usage: { promptTokens: 0, completionTokens: 0, costUsd: null }, temperature: options.temperature ?? null, seed: options.seed ?? 0, pending: [] });
    },
    get: (runId: string) => runs.get(runId),
    record(runId: string, event: NewEvent) {
      const run = runs.get(runId);
      if (!run) return;
      run.pending.push(event);
      if (run.pending.length >= flushEvery) flush(runId, run);
    },
    close(runId: string): Usage {
      const run = runs.get(runId);
      if (run) flush(runId, run);
      runs.delete(runId);
      return run?.usage ?? { promptTokens: 0, completionTokens: 0, costUsd: null };
    },
  };
}
export type RunRegistry = ReturnType<typeof createRunRegistry>;

export interface GatewayOptions {
  policy: () => PolicyModel;
  runs: RunRegistry;
  now?: () => number;
  /** The run calls without an x-sia-run-id header are recorded under (`sia serve`); none: such calls are refused. */
  defaultRunId?: string;
}

/** An OpenAI chat-completions answer (or error) with its HTTP status, before any HTTP is involved. */
export interface CompletionReply {
  status: 200 | 400 | 502;
  body: Record<string, unknown>;
}

/**
 * The OpenAI-compatible gateway in front of the policy: every call becomes a run.step_recorded event with
 * messages, completion, token ids, logprobs, latency and usage. `guided_choice` as vLLM takes it.
 */
export function createGateway(options: GatewayOptions) {
  const complete = createChatCompletions(options);
  const app = new Hono();

  app.get('/models', (c) => c.json({ object: 'list', data: [{ id: 'policy', object: 'model', owned_by: 'sia', adapter: options.policy().adapterId }] }));

  app.post('/chat/completions', async (c) => {
    const runId = c.req.header('x-sia-run-id') ?? options.defaultRunId ?? '';
    const reply = await complete(runId, c.req.header('x-sia-example-id') ?? null, await c.req.json().catch(() => null));
    return c.json(reply.body, reply.status);
  });
  return app;
}

/**
 * The gateway's chat completion without HTTP: validates the OpenAI request body, asks the policy, records the
 * step. The Hono route adapts it to HTTP; the loop's sandbox calls it directly (same body, same recording).
 */
export function createChatCompletions(options: GatewayOptions) {
  const now = options.now ?? (() => performance.now());
  return async function complete(runId: string, exampleId: string | null, input: unknown): Promise<CompletionReply> {
    const run = options.runs.get(runId);
    if (!run) return { status: 400, body: { error: { message: 'x-sia-run-id names no open run: the gateway records every call against a run', field: 'x-sia-run-id' } } };
    const parsed = ChatBody.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { status: 400, body: { error: { message: issue?.message ?? 'invalid body', field: issue?.path.join('.') || 'body' } } };
    }
    const body = parsed.data;
    const policy = options.policy();
    const guidedChoice = body.guided_choice ?? body.structured_outputs?.choice ?? null;
    const index = run.nextIndex++;
    const temperature = run.temperature ?? body.temperature ?? 0;
    const started = now();
    try {
      const response = await policy.chat({
        model: body.model,
        messages: body.messages,
        guidedChoice,
        temperature,
        maxTokens: body.max_tokens ?? null,
        logprobs: true,
        seed: body.seed ?? run.seed * 100_003 + index,
      });
      const latencyMs = now() - started;
      const costUsd = policy.prices
        ? (response.usage.promptTokens * policy.prices.inputPerMillion + response.usage.completionTokens * policy.prices.outputPerMillion) / 1e6
        : null;
      const usage: Usage = { ...response.usage, costUsd };
      run.usage = addUsage(run.usage, usage);
      options.runs.record(runId, {
          id: `${runId}-step-${index}`,
          type: 'run.step_recorded',
          data: {
            runId,
            exampleId,
            index,
            step: {
              kind: 'llm_call',
              model: response.model,
              request: { messages: body.messages, guidedChoice, temperature },
              completion: response.content,
              tokenIds: response.tokenIds,
              ...(response.promptTokenIds?.length ? { promptTokenIds: response.promptTokenIds } : {}),
              logprobs: response.logprobs,
              latencyMs,
              usage,
            },
          },
        });
      return { status: 200, body: toOpenAIResponse(`${runId}-${index}`, response.model, response.content, response.tokenIds, response.logprobs, usage) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      options.runs.record(runId, { id: `${runId}-step-${index}`, type: 'run.step_recorded', data: { runId, exampleId, index, step: { kind: 'error', errorKind: 'model', message } } });
      const status = isSiaError(error) && error instanceof ValidationError ? 400 : 502;
      return { status, body: { error: { message } } };
    }
  };
}

function toOpenAIResponse(id: string, model: string, content: string, tokenIds: number[], logprobs: number[], usage: Usage) {
  return {
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content },
        logprobs: { content: logprobs.map((logprob, i) => ({ token: `token_id:${tokenIds[i] ?? -1}`, logprob, bytes: null, top_logprobs: [] })) },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
  };
}
