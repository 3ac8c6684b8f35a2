/**
 * Both levers on the embedded default (offline agents, tiny policy, tiny trainer): for each packaged task, the seed
 * (Initial), a harness-only run (H) and a harness+weights run (W+H) with the same seed and iterations, each through
 * runSession on its own temporary database. Prints the markdown table of the best node's dev and holdout, then the
 * weight updates of every W+H run (parent dev → candidate dev, gate verdict, scaffold frozen or not).
 * Holdout is read from the loop's own final report of its best node; nothing here chooses by holdout.
 *
 *   node bin/run-ts.js bench/levers.ts [--quick] [--iterations N] [--seed N] [--tasks a,b]
 * Defaults: 6 iterations on every task (about 3 minutes on 2 cores); --quick: 3 iterations on lawbench and gsm8k.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { DEFAULT_OPTIONS, runSession, type SessionSettings } from '../loop/session.ts';
import { type ExperimentSummaryJson, experimentSummary } from '../loop/summary.ts';
import { loadTask } from '../plugins/tasks/index.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const quick = args.includes('--quick');
const iterations = Number(flag('iterations') ?? (quick ? 3 : 6));
const seed = Number(flag('seed') ?? 0);
const tasks = (flag('tasks') ?? (quick ? 'lawbench,gsm8k' : 'lawbench,gsm8k,denoising,trimul-cpu,trimul')).split(',');

type Run = { summary: ExperimentSummaryJson; seconds: number };

async function run(task: string, mode: 'h' | 'w+h', runIterations: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `sia-levers-${task}-`));
  const dbFile = join(dir, 'sia.db');
  const store = openSqliteEventStore(dbFile);
  const started = performance.now();
  try {
    const settings: SessionSettings = {
      task,
      mode,
      seed,
      agents: 'offline',
      policy: 'tiny',
      trainer: 'tiny',
      options: { ...DEFAULT_OPTIONS, iterations: runIterations },
    };
    const experimentId = await runSession({ store, dbFile, settings, config: {}, task: await loadTask(task) });
    return { summary: experimentSummary(store, experimentId), seconds: (performance.now() - started) / 1000 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (value: number | null | undefined) => (value === null || value === undefined ? '–' : value.toFixed(3));
const pair = (summary: ExperimentSummaryJson) => `${fmt(summary.best.dev)} / ${fmt(summary.best.holdout)}`;

/** Each weights node of a run against its parent, in lineage order. */
function weightUpdates(summary: ExperimentSummaryJson): string[] {
  const byId = new Map(summary.nodes.map((node) => [node.id, node]));
  return summary.nodes
    .filter((node) => node.kind === 'weights')
    .map((node) => {
      const parent = byId.get(node.parentId ?? '');
      const frozen = parent?.scaffoldId === node.scaffoldId ? 'harness frozen' : 'SCAFFOLD CHANGED';
      return `${node.algorithm ?? '?'} from ${parent?.kind ?? '?'} ${node.parentId}: dev ${fmt(parent?.scores.dev)} → ${fmt(node.scores.dev)} (${node.status}, ${frozen}; train ${fmt(parent?.scores.train)} → ${fmt(node.scores.train)})`;
    });
}

const rows: string[] = [];
const details: string[] = [];
const benchStarted = performance.now();
for (const task of tasks) {
  // iterations 0: the loop evaluates the seed on dev and holdout and finishes, which is the Initial column.
  const initial = await run(task, 'h', 0);
  const harness = await run(task, 'h', iterations);
  const both = await run(task, 'w+h', iterations);
  const metric = (await loadTask(task)).metric.name;
  rows.push(`| ${task} | ${metric} | ${pair(initial.summary)} | ${pair(harness.summary)} | ${pair(both.summary)} |`);
  const accepted = (summary: ExperimentSummaryJson) =>
    summary.nodes
      .filter((node) => node.kind !== 'seed' && node.status === 'accepted')
      .map((node) => node.kind)
      .join(', ') || 'none';
  details.push(`### ${task} (H ${harness.seconds.toFixed(0)} s, W+H ${both.seconds.toFixed(0)} s)`);
  details.push(
    `- H accepted: ${accepted(harness.summary)}; W+H accepted: ${accepted(both.summary)}; W+H decisions: ${both.summary.decisions.map((d) => (d.kind === 'weights' ? `weights(${d.algorithm})` : d.kind)).join(', ')}`,
  );
  for (const line of weightUpdates(both.summary)) details.push(`- ${line}`);
  console.error(`${task}: done in ${((performance.now() - benchStarted) / 1000).toFixed(0)} s so far`);
}

console.log(
  `Embedded default (offline agents, tiny policy, tiny trainer), seed ${seed}, ${iterations} iterations each; best node by dev, scores as dev / holdout.\n`,
);
console.log('| task | metric | Initial dev / holdout | H dev / holdout | W+H dev / holdout |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\nWeight updates in the W+H runs (parent dev → candidate dev):\n`);
for (const line of details) console.log(line);
console.log(`\ntotal ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
