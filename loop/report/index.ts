import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventData } from '../../core/events/index.ts';
import type { EventStore } from '../../core/ports/event-store.ts';
import { renderReport } from '../../core/report/html.ts';
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
  const { branches } = loadLoopState(input.store, input.experimentId);
  const html = renderReport({
    experimentId: input.experimentId,
    task: summary.task,
    mode: summary.mode,
    status: summary.status,
    nodes: summary.nodes,
    best: summary.best,
    branches,
    audit,
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
