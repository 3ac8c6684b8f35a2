import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventData } from '../../core/events/index.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { renderReport } from '../../core/report/html.ts';
import { loadTask, packagedTaskIds } from '../../plugins/tasks/index.ts';
import { auditExperiment, auditStream } from '../audit/index.ts';
import type { SiaConfig } from '../config.ts';
import { loadLoopState } from '../experiment-log.ts';
import { experimentSummary } from '../summary.ts';

/**
 * `sia report`: writes DIR/index.html with the lineage, score curves and the latest audit (run now when none is
 * recorded), readable offline: no scripts, no external files.
 */
export async function writeReport(input: {
  store: EventStore;
  dbFile: string;
  config: SiaConfig;
  experimentId: string;
  outDir: string;
  clock?: () => Date;
  onProgress?: (line: string) => void;
}): Promise<{ file: string; audited: boolean }> {
  const summary = experimentSummary(input.store, input.experimentId);
  let audit = latestAudit(input.store, input.experimentId);
  const audited = audit === null;
  if (!audit) audit = await auditExperiment(input);
  const { branches, nodes, runs } = loadLoopState(input.store, input.experimentId);
  const auditedThrough = audit.atPosition;
  const nodesAfterAudit = Object.values(nodes)
    .filter((node) => node.position > auditedThrough)
    .sort((a, b) => a.position - b.position)
    .map((node) => node.id);
  const html = renderReport({
    experimentId: input.experimentId,
    task: summary.task,
    mode: summary.mode,
    status: summary.status,
    nodes: summary.nodes,
    best: summary.best,
    branches,
    audit,
    nodesAfterAudit,
    metric: await metricOf(input.store, summary.task, Object.keys(runs)),
    generatedAt: (input.clock ?? (() => new Date()))().toISOString(),
    head: { position: input.store.head(), hash: input.store.hashAt(input.store.head()) },
  });
  mkdirSync(input.outDir, { recursive: true });
  const file = resolve(join(input.outDir, 'index.html'));
  writeFileSync(file, html);
  return { file, audited };
}

export function latestAudit(store: EventStore, experimentId: string): EventData<'audit.performed'> | null {
  const events = store.read({ streamId: auditStream(experimentId), types: ['audit.performed'] });
  const last = events.at(-1);
  return last?.type === 'audit.performed' ? last.data : null;
}

/** The packaged task's metric; else the name the runs recorded, direction unknown (a user's task is not re-imported). */
async function metricOf(store: EventStore, taskId: string, runIds: string[]): Promise<{ name: string; higherIsBetter: boolean | null } | null> {
  if (packagedTaskIds().includes(taskId)) {
    const task = await loadTask(taskId).catch(() => null);
    if (task) return { name: task.metric.name, higherIsBetter: task.metric.higherIsBetter };
  }
  for (const runId of runIds) {
    const [finished] = store.read({ streamId: `run-${runId}`, types: ['run.finished'], limit: 1 });
    if (finished?.type === 'run.finished') return { name: finished.data.metricName, higherIsBetter: null };
  }
  return null;
}
