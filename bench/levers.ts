/**
 * Both levers on the embedded default (offline agents, tiny policy, tiny trainer), over several seeds. Per task and
 * seed: Initial (the reference scaffold with the base policy), H and W+H (runSession, same seed and iterations), the
 * task's best no-model baseline (the scaffold's own answer with the first candidate it offers, the policy never
 * consulted: every ranker config at a shortlist of 1, or the reference scaffold when it has no shortlist; the config
 * chosen on dev) and a shuffled-train-label control of W+H
 * (train labels permuted among train items with a seeded shuffle: the same label multiset, no item's own label).
 * Scores are the best node's holdout (the loop chooses it on dev; nothing here chooses by holdout); the table gives
 * mean ± sd over seeds and the paired differences W+H − H and W+H − baseline with their sd.
 *
 *   node bin/run-ts.js bench/levers.ts [--seeds 0,1,2,3,4] [--iterations 6] [--tasks lawbench] [--no-control] [--json]
 * Defaults: lawbench, seeds 0–4, 6 iterations (about 10 minutes on 2 cores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../core/ports/task.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { deriveSeed, seededRandom, shuffled } from '../core/tiny/random.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { type ExperimentSummaryJson, experimentSummary } from '../loop/summary.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { type Chat, importSolve, scoreSolve } from './support/scaffold-variants.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
};
const iterations = Number(flag('iterations') ?? 6);
const seeds = (flag('seeds') ?? '0,1,2,3,4').split(',').map(Number);
const tasks = (flag('tasks') ?? 'lawbench').split(',');
const json = args.includes('--json');
const control = !args.includes('--no-control');
const log = (line: string) => process.stderr.write(`${line}\n`);

type Scores = { dev: number | null; holdout: number | null };

async function runLoop(task: Task, taskId: string, mode: 'h' | 'w+h', seed: number): Promise<{ summary: ExperimentSummaryJson; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), `sia-levers-${taskId}-`));
  const dbFile = join(dir, 'sia.db');
  const store = openSqliteEventStore(dbFile);
  const started = performance.now();
  try {
    const experimentId = await runSession({
      store,
      dbFile,
      task,
      config: {},
      settings: { task: taskId, mode, seed, agents: 'offline', policy: 'tiny', trainer: 'tiny', options: { ...DEFAULT_OPTIONS, iterations } },
    });
    return { summary: experimentSummary(store, experimentId), seconds: (performance.now() - started) / 1000 };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The task with its train labels permuted among train items (dev and holdout untouched). */
function shuffledTrainLabels(task: Task): Task {
  return {
    ...task,
    splits(seed, secret) {
      const splits = task.splits(seed, secret);
      const labels = shuffled(
        splits.train.map((example) => example.label),
        seededRandom(deriveSeed(seed, 'levers-shuffled-labels')),
      );
      return { ...splits, train: splits.train.map((example, i) => ({ ...example, label: labels[i] })) };
    },
  };
}

/** Initial: the reference scaffold of this seed with the base tiny policy, on dev and holdout. */
async function initial(task: Task, seed: number): Promise<Scores> {
  const policy = createTinyPolicy();
  const splits = task.splits(seed);
  const solve = await importSolve(task.referenceScaffoldFor?.(seed) ?? task.referenceScaffold, {});
  const chat: Chat = (request) => policy.chat(request);
  return { dev: await scoreSolve(task, solve, splits.dev, chat), holdout: await scoreSolve(task, solve, splits.holdout, chat) };
}

/**
 * The no-model baseline: the scaffold's own ranking with a shortlist of 1 (every other knob of the ranker family
 * tried), the "policy" returning the first candidate it is offered; the config with the best dev score. A task
 * whose scaffold has no shortlist knob gets its reference scaffold with that same first-candidate "policy" (its own
 * heuristic order: gsm8k's first computed candidate, denoising's first strategy, trimul-cpu's first kernel variant).
 */
async function noModelBaseline(task: Task, seed: number): Promise<Scores & { config: Record<string, unknown> }> {
  const knobs = task.knobs ?? {};
  const width = Object.keys(knobs).find((key) => /shortlist|topk|top_k/i.test(key));
  const widthOne = width !== undefined && (knobs[width] ?? []).includes(1);
  const rankerKeys = widthOne ? Object.keys(knobs).filter((key) => /overlap|weighting|rank/i.test(key)) : [];
  let configs: Array<Record<string, unknown>> = [widthOne ? { [width]: 1 } : {}];
  for (const key of rankerKeys) configs = configs.flatMap((config) => (knobs[key] ?? []).map((value) => ({ ...config, [key]: value })));
  const splits = task.splits(seed);
  const first: Chat = async (request) => ({ content: request.guidedChoice?.[0] ?? '' });
  let best: (Scores & { config: Record<string, unknown> }) | null = null;
  for (const config of configs) {
    const solve = await importSolve(task.referenceScaffoldFor?.(seed) ?? task.referenceScaffold, config);
    const dev = await scoreSolve(task, solve, splits.dev, first);
    if (!best || dev > (best.dev ?? -1)) best = { dev, holdout: await scoreSolve(task, solve, splits.holdout, first), config };
  }
  return best as Scores & { config: Record<string, unknown> };
}

const meanOf = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const sdOf = (values: number[]) => {
  if (values.length < 2) return 0;
  const m = meanOf(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
};
const stat = (values: Array<number | null>) => {
  const present = values.filter((v): v is number => v !== null);
  return present.length ? { mean: meanOf(present), sd: sdOf(present), n: present.length } : null;
};
const paired = (a: Array<number | null>, b: Array<number | null>) => stat(a.map((x, i) => (x === null || b[i] === null ? null : x - (b[i] as number))));

interface SeedRow {
  seed: number;
  initial: Scores;
  h: Scores;
  wh: Scores;
  baseline: Scores & { config: Record<string, unknown> };
  control: Scores | null;
  whDecisions: string[];
  seconds: { h: number; wh: number };
}

const results: Record<string, { metric: string; rows: SeedRow[] }> = {};
const started = performance.now();
for (const taskId of tasks) {
  const task = await loadTask(taskId);
  const rows: SeedRow[] = [];
  for (const seed of seeds) {
    const init = await initial(task, seed);
    const baseline = await noModelBaseline(task, seed);
    const h = await runLoop(task, taskId, 'h', seed);
    const wh = await runLoop(task, taskId, 'w+h', seed);
    const shuffledRun = control ? await runLoop(shuffledTrainLabels(task), taskId, 'w+h', seed) : null;
    const row: SeedRow = {
      seed,
      initial: init,
      h: { dev: h.summary.best.dev, holdout: h.summary.best.holdout },
      wh: { dev: wh.summary.best.dev, holdout: wh.summary.best.holdout },
      baseline,
      control: shuffledRun ? { dev: shuffledRun.summary.best.dev, holdout: shuffledRun.summary.best.holdout } : null,
      whDecisions: wh.summary.nodes.filter((node) => node.kind !== 'seed').map((node) => `${node.operator ?? node.algorithm}:${node.status}`),
      seconds: { h: h.seconds, wh: wh.seconds },
    };
    rows.push(row);
    log(
      `${taskId} seed ${seed}: initial ${init.holdout?.toFixed(3)} baseline ${baseline.holdout?.toFixed(3)} H ${row.h.holdout?.toFixed(3)} W+H ${row.wh.holdout?.toFixed(3)} control ${row.control?.holdout?.toFixed(3) ?? '–'} (W+H ${wh.seconds.toFixed(0)} s; ${((performance.now() - started) / 1000).toFixed(0)} s so far)`,
    );
  }
  results[taskId] = { metric: task.metric.name, rows };
}

const holdouts = (rows: SeedRow[], pick: (row: SeedRow) => Scores | null) => rows.map((row) => pick(row)?.holdout ?? null);
const summary = Object.fromEntries(
  Object.entries(results).map(([taskId, { metric, rows }]) => {
    const column = (pick: (row: SeedRow) => Scores | null) => stat(holdouts(rows, pick));
    return [
      taskId,
      {
        metric,
        seeds: rows.map((row) => row.seed),
        initial: column((row) => row.initial),
        baseline: column((row) => row.baseline),
        h: column((row) => row.h),
        wh: column((row) => row.wh),
        control: column((row) => row.control),
        whMinusH: paired(
          holdouts(rows, (row) => row.wh),
          holdouts(rows, (row) => row.h),
        ),
        whMinusBaseline: paired(
          holdouts(rows, (row) => row.wh),
          holdouts(rows, (row) => row.baseline),
        ),
        controlMinusH: paired(
          holdouts(rows, (row) => row.control),
          holdouts(rows, (row) => row.h),
        ),
        rows,
      },
    ];
  }),
);
const totalSeconds = (performance.now() - started) / 1000;

if (json) {
  console.log(JSON.stringify({ iterations, seeds, totalSeconds, tasks: summary }, null, 2));
} else {
  const fmt = (s: { mean: number; sd: number } | null) => (s ? `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : '–');
  const signed = (s: { mean: number; sd: number } | null) => (s ? `${s.mean >= 0 ? '+' : ''}${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}` : '–');
  console.log(
    `Embedded default (offline agents, tiny policy, tiny trainer), ${iterations} iterations, seeds ${seeds.join(', ')}; holdout of the best node by dev, mean ± sd over seeds.\n`,
  );
  console.log('| task | metric | Initial | no-model baseline | H | W+H | W+H, shuffled train labels | W+H − H (paired) | W+H − baseline (paired) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [taskId, s] of Object.entries(summary)) {
    console.log(
      `| ${taskId} | ${s.metric} | ${fmt(s.initial)} | ${fmt(s.baseline)} | ${fmt(s.h)} | ${fmt(s.wh)} | ${fmt(s.control)} | ${signed(s.whMinusH)} | ${signed(s.whMinusBaseline)} |`,
    );
  }
  console.log('\nPer seed (holdout): seed: Initial / baseline [config] / H / W+H / control — W+H nodes');
  for (const [taskId, s] of Object.entries(summary)) {
    for (const row of s.rows) {
      const f = (x: Scores | null) => (x?.holdout === null || x?.holdout === undefined ? '–' : x.holdout.toFixed(3));
      console.log(
        `- ${taskId} ${row.seed}: ${f(row.initial)} / ${f(row.baseline)} ${JSON.stringify(row.baseline.config)} / ${f(row.h)} / ${f(row.wh)} / ${f(row.control)} — ${row.whDecisions.join(', ')}`,
      );
    }
  }
  console.log(`\ntotal ${totalSeconds.toFixed(0)} s`);
}
