import { z } from 'zod';
import { NotFoundError } from '../../core/errors.ts';
import type { LineageReader } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { EmptyQuery, IdParams } from '../schemas.ts';

/** Enough of an answer to recognise it; the whole output stays in the log (GET /api/events). */
const OUTPUT_PREVIEW_CHARS = 300;

export const RunItemsBody = z.object({
  runId: z.string(),
  items: z.array(
    z.object({
      exampleId: z.string(),
      reward: z.number().nullable(),
      metric: z.number().nullable(),
      output: z.string().nullable(),
      detail: z.record(z.string(), z.unknown()).nullable(),
      /** `kind: message` of the error step the sandbox recorded for this item, if any. */
      error: z.string().nullable(),
    }),
  ),
});

/**
 * Per item of one run: its reward (and the task's metric), a preview of the scaffold's output and the error the
 * item ended with. Items are read off the run's own stream: its reward.recorded events and its error steps.
 */
export function runItemRoutes(reader: LineageReader): ApiRoute[] {
  return [
    apiRoute(
      {
        path: '/api/runs/{id}/items',
        summary: "A run's items: reward, metric, output preview and error for each example",
        params: IdParams,
        query: EmptyQuery,
        response: RunItemsBody,
        notFound: 'no such run',
      },
      (c, { params }) => {
        if (!reader.current().state.runs[params.id]) throw new NotFoundError(`no run ${params.id}`, { hint: 'run ids are listed by GET /api/nodes/{id}' });
        type Item = z.infer<typeof RunItemsBody>['items'][number];
        const items = new Map<string, Item>();
        const itemOf = (exampleId: string) =>
          items.get(exampleId) ?? items.set(exampleId, { exampleId, reward: null, metric: null, output: null, detail: null, error: null }).get(exampleId)!;
        for (const event of reader.store.iterate({ streamId: `run-${params.id}`, types: ['run.started', 'reward.recorded', 'run.step_recorded'] })) {
          if (event.type === 'run.started') event.data.exampleIds.forEach(itemOf);
          else if (event.type === 'reward.recorded')
            Object.assign(itemOf(event.data.exampleId), {
              reward: event.data.reward,
              metric: event.data.metric,
              output: preview(event.data.output),
              detail: event.data.detail ?? null,
            });
          else if (event.type === 'run.step_recorded' && event.data.step.kind === 'error' && event.data.exampleId)
            itemOf(event.data.exampleId).error = `${event.data.step.errorKind}: ${event.data.step.message}`;
        }
        return c.json({ runId: params.id, items: [...items.values()] });
      },
    ),
  ];
}

function preview(output: unknown): string | null {
  if (output === null || output === undefined) return null;
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  return text.length > OUTPUT_PREVIEW_CHARS ? `${text.slice(0, OUTPUT_PREVIEW_CHARS)}…` : text;
}
