import { z } from 'zod';
import { loadTask, packagedTaskIds } from '../../plugins/tasks/index.ts';
import { findExperiment } from '../lineage-view.ts';
import type { LineageReader } from '../read-model.ts';
import { type ApiRoute, apiRoute } from '../route-spec.ts';
import { EmptyQuery, IdParams } from '../schemas.ts';

export const MetricBody = z.object({
  experimentId: z.string(),
  taskId: z.string(),
  name: z.string().nullable(),
  /** null when only the runs name the metric (a task outside the package, not loaded by the server). */
  higherIsBetter: z.boolean().nullable(),
  description: z.string().nullable(),
});

type TaskMetric = { name: string; higherIsBetter: boolean; description: string } | null;

/**
 * What an experiment's scores measure and which way is better, for labels next to scores. The log records
 * only the metric's name (run.finished), so the direction comes from the packaged task, loaded once; a task
 * loaded from a user's path is not imported by the server (it could run anything): name only.
 */
export function taskMetricRoutes(reader: LineageReader): ApiRoute[] {
  const tasks = new Map<string, Promise<TaskMetric>>();
  const packagedMetric = (taskId: string): Promise<TaskMetric> => {
    if (!packagedTaskIds().includes(taskId)) return Promise.resolve(null);
    if (!tasks.has(taskId))
      tasks.set(
        taskId,
        loadTask(taskId).then(
          (task) => task.metric,
          () => null,
        ),
      );
    return tasks.get(taskId) as Promise<TaskMetric>;
  };

  return [
    apiRoute(
      {
        path: '/api/experiments/{id}/metric',
        summary: "The experiment's metric: name, direction (higher or lower is better) and description",
        params: IdParams,
        query: EmptyQuery,
        response: MetricBody,
        notFound: 'no such experiment',
      },
      async (c, { params }) => {
        const { state } = reader.current();
        const experiment = findExperiment(reader.current(), params.id);
        const metric = await packagedMetric(experiment.taskId);
        const name =
          metric?.name ??
          recordedMetricName(
            reader,
            experiment.nodeIds.flatMap((id) => state.nodes[id]?.runIds ?? []),
          );
        return c.json({
          experimentId: experiment.id,
          taskId: experiment.taskId,
          name,
          higherIsBetter: metric?.higherIsBetter ?? null,
          description: metric?.description ?? null,
        });
      },
    ),
  ];
}

/** The metric name the first finished run recorded. */
function recordedMetricName(reader: LineageReader, runIds: string[]): string | null {
  for (const runId of runIds) {
    const [finished] = reader.store.read({ streamId: `run-${runId}`, types: ['run.finished'], limit: 1 });
    if (finished?.type === 'run.finished') return finished.data.metricName;
  }
  return null;
}
