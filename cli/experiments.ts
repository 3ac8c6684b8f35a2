import type { CommandModule } from 'yargs';
import { bestNode } from '../core/loop/next-step.ts';
import { type ExperimentSummary, type LineageState, lineageProjection } from '../core/projections/lineage.ts';
import { project } from '../core/store/index.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface ExperimentsArgs {
  db: string;
  json: boolean;
}

/**
 * What the log can tell about an experiment's end. `running` has no experiment.finished yet: the loop is still
 * going, or its process was killed (the log cannot tell the two apart; `sia run --resume` continues either).
 * A budget that ran out is `stopped`; an error the loop recorded is `failed`; the iterations spent or the
 * Feedback-Agent's own stop is `finished`.
 */
export type ExperimentStatus = 'running' | 'finished' | 'stopped' | 'failed';

export interface ExperimentRow {
  id: string;
  task: string;
  mode: 'h' | 'w+h';
  status: ExperimentStatus;
  finishReason: string | null;
  /** The finished experiment's best node; while running, the best accepted node on dev so far. */
  best: { nodeId: string | null; dev: number | null; holdout: number | null };
  createdAt: string;
  decisions: number;
  forkOf: { experimentId: string; nodeId: string } | null;
}

function statusOf(experiment: ExperimentSummary): ExperimentStatus {
  if (experiment.status !== 'finished') return 'running';
  if (experiment.finishReason === 'budget') return 'stopped';
  if (experiment.finishReason === 'error') return 'failed';
  return 'finished';
}

function bestOf(experiment: ExperimentSummary, state: LineageState): ExperimentRow['best'] {
  if (experiment.finalScores) return { nodeId: experiment.bestNodeId, dev: experiment.finalScores.dev, holdout: experiment.finalScores.holdout };
  const loop = state.loops[experiment.id];
  const best = loop ? bestNode(loop) : null;
  return { nodeId: best?.id ?? null, dev: best?.scores.dev ?? null, holdout: best?.scores.holdout ?? null };
}

/** Every experiment in the log, oldest first, read off the lineage projection (no events folded here). */
export function experimentRows(state: LineageState): ExperimentRow[] {
  return Object.values(state.experiments)
    .sort((a, b) => a.position - b.position)
    .map((experiment) => ({
      id: experiment.id,
      task: experiment.taskId,
      mode: experiment.mode,
      status: statusOf(experiment),
      finishReason: experiment.finishReason,
      best: bestOf(experiment, state),
      createdAt: experiment.createdAt,
      decisions: experiment.decisions.length,
      forkOf: experiment.forkOf,
    }));
}

export const experimentsCommand: CommandModule<object, ExperimentsArgs> = {
  command: 'experiments',
  describe: 'list the experiments in the log: id, task, mode, status, best score, created time (read-only)',
  handler: (args) => {
    const store = openStore(args.db, { mode: 'read' });
    try {
      const { state, position } = project(store, lineageProjection);
      const rows = experimentRows(state);
      if (args.json) printJson({ position, experiments: rows });
      else printTable(rows, args.db);
    } finally {
      store.close();
    }
  },
};

const score = (value: number | null) => (value === null ? '-' : value.toFixed(4));

function printTable(rows: ExperimentRow[], db: string): void {
  if (!rows.length) {
    console.log('no experiments in this log yet (start one with `sia run --task gsm8k`)');
    return;
  }
  const table = [
    ['ID', 'TASK', 'MODE', 'STATUS', 'BEST DEV', 'HOLDOUT', 'CREATED'],
    ...rows.map((row) => [row.id, row.task, row.mode, row.status, score(row.best.dev), score(row.best.holdout), row.createdAt]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  for (const line of table)
    console.log(
      line
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    );
  const running = rows.find((row) => row.status === 'running');
  // A killed run looks like a running one in the log: say how to continue it rather than let it look stuck.
  if (running)
    console.log(`\nrunning: no experiment.finished yet — still going, or interrupted; continue one with \`sia run --resume ${running.id} --db ${db}\``);
}
