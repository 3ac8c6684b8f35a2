import { type Attributes, context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type IdGenerator, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { NotFoundError } from '../../core/errors.ts';
import type { StoredEvent } from '../../core/events/index.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { createRequestReader } from '../../gateway/request-blobs.ts';

/** The GenAI conventions the attributes follow: `gen_ai.*` as published in @opentelemetry/semantic-conventions 1.45.0 (incubating). */
export const GEN_AI_SEMCONV_VERSION = '1.45.0';

export interface SpanOptions {
  /** Put the prompt and completion of every model call on its span (`gen_ai.input.messages` / `gen_ai.output.messages`). */
  messages: boolean;
}

/**
 * Trace and span ids derived from the log (sha256 of event ids), so exporting the same experiment twice gives the
 * same ids and a collector deduplicates instead of doubling. Each span start consumes the ids set just before it.
 */
class LogIds implements IdGenerator {
  private seed = '';
  use(seed: string): void {
    this.seed = seed;
  }
  generateTraceId = () => sha256Hex(`trace:${this.seed}`).slice(0, 32);
  generateSpanId = () => sha256Hex(`span:${this.seed}`).slice(0, 16);
}

const time = (iso: string) => new Date(iso);

/**
 * Turns one experiment's log into finished OpenTelemetry spans: the experiment's own trace (a root span with a
 * span per Feedback-Agent decision and per training job), and one trace per run (a root span, a `chat` span per
 * model call following the GenAI conventions, and each reward as a `gen_ai.evaluation.result` event).
 */
export function experimentSpans(store: EventStore, experimentId: string, options: SpanOptions): ReadableSpan[] {
  const experiment = store.read({ streamId: `experiment-${experimentId}` });
  const created = experiment.find((event) => event.type === 'experiment.created');
  if (!created) throw new NotFoundError(`no experiment ${experimentId} in this log`, { hint: 'list them with `sia events --type experiment.created`' });
  const settings = created.data.config as { policy?: string; openaiPolicy?: { model?: string } };
  const provider = settings.policy === 'openai' ? 'openai' : `sia.${settings.policy ?? 'tiny'}`;

  const ids = new LogIds();
  const exporter = new InMemorySpanExporter();
  const providerSdk = new TracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes({ 'service.name': 'sia', 'sia.experiment.id': experimentId, 'sia.semconv.gen_ai.version': GEN_AI_SEMCONV_VERSION }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    // A run span carries one evaluation event per item: lift the SDK's default cap of 128 events.
    spanLimits: { eventCountLimit: 1_000_000 },
  });
  const tracer = providerSdk.getTracer('sia', GEN_AI_SEMCONV_VERSION);
  const start = (seed: string, name: string, at: string, attributes: Attributes, parent?: Span, kind = SpanKind.INTERNAL) => {
    ids.use(seed);
    const parentContext = parent ? trace.setSpan(context.active(), parent) : context.active();
    return tracer.startSpan(name, { startTime: time(at), attributes, kind, root: !parent }, parentContext);
  };

  const last = experiment[experiment.length - 1];
  const root = start(created.id, `sia.experiment ${experimentId}`, created.recordedAt, {
    'sia.task': created.data.task.id,
    'sia.mode': created.data.mode,
    'sia.seed': created.data.seed,
  });
  const jobs = new Map<string, Span>();
  for (const event of experiment) {
    if (event.type === 'feedback.decided') {
      const { data } = event;
      start(
        event.id,
        `sia.decision ${data.kind}`,
        event.recordedAt,
        {
          'sia.iteration': data.iteration,
          'sia.node.id': data.nodeId,
          'sia.decision.kind': data.kind,
          'sia.decision.rationale': data.rationale,
          ...(data.algorithm ? { 'sia.rl.algorithm': data.algorithm } : {}),
        },
        root,
      ).end(time(event.recordedAt));
    } else if (event.type === 'training.submitted') {
      jobs.set(
        event.data.jobId,
        start(
          event.id,
          `sia.training ${event.data.algorithm}`,
          event.recordedAt,
          { 'sia.training.job_id': event.data.jobId, 'sia.rl.algorithm': event.data.algorithm, 'sia.node.id': event.data.nodeId },
          root,
        ),
      );
    } else if (event.type === 'training.completed' || event.type === 'training.failed') {
      const job = jobs.get(event.data.jobId);
      if (event.type === 'training.failed') job?.setStatus({ code: 2, message: event.data.error });
      job?.end(time(event.recordedAt));
      jobs.delete(event.data.jobId);
    }
  }
  for (const job of jobs.values()) job.end(time(last.recordedAt));
  root.end(time(last.recordedAt));

  const inline = createRequestReader(store);
  for (const started of store.iterate({ types: ['run.started'] })) {
    if (started.type !== 'run.started' || started.data.experimentId !== experimentId) continue;
    runSpans(store.read({ streamId: `run-${started.data.runId}` }), { start, provider, root, messages: options.messages, inline });
  }
  return exporter.getFinishedSpans();
}

type Start = (seed: string, name: string, at: string, attributes: Attributes, parent?: Span, kind?: SpanKind) => Span;

function runSpans(
  events: StoredEvent[],
  context: { start: Start; provider: string; root: Span; messages: boolean; inline: ReturnType<typeof createRequestReader> },
): void {
  const [started] = events;
  if (started?.type !== 'run.started') return;
  const { data } = started;
  const run = context.start(started.id, `sia.run ${data.split} ${data.purpose}`, started.recordedAt, {
    'sia.run.id': data.runId,
    'sia.node.id': data.nodeId,
    'sia.split': data.split,
    'sia.run.purpose': data.purpose,
  });
  run.addLink({ context: context.root.spanContext(), attributes: { 'sia.link': 'experiment' } });
  let end = started.recordedAt;
  for (const event of events) {
    end = event.recordedAt;
    if (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call') {
      const { step } = event.data;
      const finished = time(event.recordedAt);
      const call = context.start(
        event.id,
        `chat ${step.model}`,
        new Date(finished.getTime() - step.latencyMs).toISOString(),
        {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': context.provider,
          'gen_ai.request.model': step.model,
          'gen_ai.response.model': step.model,
          'gen_ai.usage.input_tokens': step.usage.promptTokens,
          'gen_ai.usage.output_tokens': step.usage.completionTokens,
          ...(step.request.temperature !== null ? { 'gen_ai.request.temperature': step.request.temperature } : {}),
          ...(event.data.exampleId ? { 'sia.example.id': event.data.exampleId } : {}),
          ...(context.messages
            ? {
                'gen_ai.input.messages': JSON.stringify(
                  context.inline(step).request.messages.map((message) => ({ role: message.role, parts: [{ type: 'text', content: message.content }] })),
                ),
                'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: step.completion }], finish_reason: 'stop' }]),
              }
            : {}),
        },
        run,
        SpanKind.CLIENT,
      );
      call.end(finished);
    } else if (event.type === 'reward.recorded') {
      run.addEvent(
        'gen_ai.evaluation.result',
        {
          'gen_ai.evaluation.name': 'reward',
          'gen_ai.evaluation.score.value': event.data.reward,
          'sia.example.id': event.data.exampleId,
          'sia.metric': event.data.metric,
        },
        time(event.recordedAt),
      );
    } else if (event.type === 'run.finished') {
      run.setAttributes({ 'sia.score': event.data.score, 'sia.metric.name': event.data.metricName, 'sia.errors': event.data.errors });
    }
  }
  run.end(time(end));
}
