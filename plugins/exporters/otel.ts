import { writeFileSync } from 'node:fs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SiaError, ValidationError } from '../../core/errors.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { experimentSpans, type SpanOptions } from './otel-spans.ts';

export type OtelTarget = { file: string } | { endpoint: string };

/**
 * Exports one experiment as OTLP: a JSON file in the OTLP/HTTP JSON encoding (what `--out` writes and any
 * collector's file receiver reads), or a POST to an OTLP/HTTP collector (`--endpoint`, e.g.
 * http://localhost:4318/v1/traces). Returns the number of spans.
 */
export async function exportExperimentOtel(store: EventStore, experimentId: string, target: OtelTarget, options: SpanOptions): Promise<number> {
  const spans = experimentSpans(store, experimentId, options);
  if ('file' in target) {
    const body = JsonTraceSerializer.serializeRequest(spans);
    if (!body) throw new SiaError('the OTLP JSON serializer returned nothing');
    writeFileSync(target.file, body);
    return spans.length;
  }
  if (!/^https?:\/\//.test(target.endpoint))
    throw new ValidationError('must be an http(s) URL of an OTLP/HTTP traces endpoint, e.g. http://localhost:4318/v1/traces', '--endpoint');
  const exporter = new OTLPTraceExporter({ url: target.endpoint });
  try {
    await new Promise<void>((resolve, reject) =>
      exporter.export(spans, (result) =>
        result.code === 0
          ? resolve()
          : reject(
              new SiaError(`the collector at ${target.endpoint} refused the export: ${result.error?.message ?? 'unknown error'}`, {
                hint: 'check the endpoint URL and that the collector runs',
              }),
            ),
      ),
    );
  } finally {
    await exporter.shutdown();
  }
  return spans.length;
}
