/**
 * Loads read only their own stream: the same small experiment is run and loaded in an empty log and in a log
 * that already holds FILLER (default 1M) run-step events of other runs. Prints, in one run, the ratio of each
 * (big log / empty log): `sia run` (in process: session, loop, summary) and the loads of fork, replay and audit.
 * Goal: every ratio ≤ 1.1. Last, the loop fold's cost per event for an experiment of 8k nodes against one of 1k:
 * a linear fold keeps it flat but for cache and GC effects of the bigger state (~1.2-1.3 here), a quadratic one
 * grows with the size (it was 20× when evolve copied the node map per event). Goal ≤ 1.5.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SiaEvent, type StoredEvent } from '../core/events/index.ts';
import { foldLoop, initialLoopState } from '../core/loop/state.ts';
import { buildRows, type ChainHead, RAW_COLUMNS, toRawRow } from '../core/store/chain.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { auditScope } from '../loop/audit/scope.ts';
import { createExperimentLog, requireExperiment } from '../loop/experiment-log.ts';
import { experimentOfNode } from '../loop/recorded.ts';
import { DEFAULT_OPTIONS, runSession } from '../loop/session.ts';
import { experimentSummary } from '../loop/summary.ts';
import { evaluationRecorded, experimentCreated, logEvent, scaffoldProposed } from '../tests/support/events.ts';
import { LEAKY_TASK } from '../tests/support/planted-hacks.ts';

const FILLER = Number(process.argv[2] ?? 1_000_000);
const RUNS = 5;
const LOADS = 30;
const settings = {
  task: LEAKY_TASK,
  mode: 'h' as const,
  seed: 0,
  agents: 'offline' as const,
  policy: 'tiny' as const,
  trainer: 'tiny' as const,
  options: { ...DEFAULT_OPTIONS, iterations: 1 },
};

function fill(store: ReturnType<typeof openSqliteEventStore>, total: number): void {
  const insert = store.database.prepare(`INSERT INTO events (${RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const upsert = store.database.prepare(
    'INSERT INTO streams (stream_id, version) VALUES (?, ?) ON CONFLICT(stream_id) DO UPDATE SET version = excluded.version',
  );
  let head: ChainHead = { position: 0, hash: '' };
  const batch = store.database.transaction((from: number) => {
    const runId = `filler-${Math.floor(from / 1000)}`;
    const events = Array.from({ length: Math.min(1000, total - from) }, (_, i) => logEvent(`filler-${from + i}`, runId, i, 'x'.repeat(90)));
    const rows = buildRows(head, `run-${runId}`, 0, events, new Date().toISOString());
    for (const row of rows) insert.run(...toRawRow(row));
    upsert.run(`run-${runId}`, rows.length);
    head = rows[rows.length - 1];
  });
  for (let from = 0; from < total; from += 1000) batch(from);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
async function timed(work: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const directory = mkdtempSync(join(tmpdir(), 'sia-bench-loads-'));
const logs = { empty: join(directory, 'empty', 'sia.db'), big: join(directory, 'big', 'sia.db') };
for (const dir of ['empty', 'big']) mkdirSync(join(directory, dir));
const stores = { empty: openSqliteEventStore(logs.empty), big: openSqliteEventStore(logs.big) };
const started = Date.now();
fill(stores.big, FILLER);
console.log(`filled ${stores.big.head()} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// `sia run`, alternating the logs so load on the machine hits both alike.
const runTimes: Record<'empty' | 'big', number[]> = { empty: [], big: [] };
const experiments: Record<'empty' | 'big', string> = { empty: '', big: '' };
for (let i = 0; i < RUNS; i++) {
  for (const which of ['empty', 'big'] as const) {
    runTimes[which].push(
      await timed(async () => {
        experiments[which] = await runSession({ store: stores[which], dbFile: logs[which], settings, config: {} });
        experimentSummary(stores[which], experiments[which]);
      }),
    );
  }
}

const loads: Record<string, (which: 'empty' | 'big') => unknown> = {
  fork: (which) => createExperimentLog(stores[which], experimentOfNode(stores[which], requireExperiment(stores[which], experiments[which]).nodeOrder[0])),
  replay: (which) => requireExperiment(stores[which], experimentOfNode(stores[which], requireExperiment(stores[which], experiments[which]).nodeOrder[0])),
  audit: (which) => auditScope(stores[which], experiments[which]),
};
console.log(`sia run (h, 1 iteration)   empty ${median(runTimes.empty).toFixed(0)} ms   ${FILLER} events ${median(runTimes.big).toFixed(0)} ms`);
console.log(`ratio ${(median(runTimes.big) / median(runTimes.empty)).toFixed(2)} (goal 1.1) sia run, ${FILLER}-event log / empty log`);
for (const [name, load] of Object.entries(loads)) {
  const times: Record<'empty' | 'big', number[]> = { empty: [], big: [] };
  for (let i = 0; i < LOADS; i++) for (const which of ['empty', 'big'] as const) times[which].push(await timed(() => load(which)));
  console.log(
    `ratio ${(median(times.big) / median(times.empty)).toFixed(2)} (goal 1.1) ${name} load, ${FILLER}-event log / empty log (${median(times.empty).toFixed(2)} ms vs ${median(times.big).toFixed(2)} ms)`,
  );
}
stores.empty.close();
stores.big.close();

function experimentHistory(nodes: number): StoredEvent[] {
  const raw = [experimentCreated('x')];
  for (let i = 0; i < nodes; i++) {
    raw.push(scaffoldProposed('x', `n${i}`, i === 0 ? null : `n${i - 1}`), evaluationRecorded('x', `r${i}`, `n${i}`, 'dev', 0.5));
    raw.push({ id: `a${i}`, type: 'scaffold.accepted', data: { experimentId: 'x', nodeId: `n${i}`, comparison: null } });
  }
  const envelope = { streamId: 'experiment-x', schemaVersion: 1, recordedAt: new Date().toISOString(), metadata: null };
  return raw.map(
    (event, i) =>
      ({ ...SiaEvent.parse({ type: event.type, data: event.data }), ...envelope, id: event.id, position: i + 1, streamVersion: i + 1 }) as StoredEvent,
  );
}
const foldCost: Record<number, number[]> = { 1000: [], 8000: [] };
const histories = { 1000: experimentHistory(1000), 8000: experimentHistory(8000) };
// Each sample folds the same number of events (the small history 8 times), alternating, so load and GC hit both.
for (let i = 0; i < 11; i++) {
  for (const nodes of [1000, 8000] as const) {
    const events = histories[nodes];
    const repeats = 8000 / nodes;
    foldCost[nodes].push(
      (await timed(() => {
        for (let r = 0; r < repeats; r++) foldLoop(initialLoopState(), events);
      })) /
        (events.length * repeats),
    );
  }
}
console.log(
  `ratio ${(median(foldCost[8000]) / median(foldCost[1000])).toFixed(2)} (goal 1.5) loop fold per event, 8000-node experiment / 1000-node (${(median(foldCost[1000]) * 1000).toFixed(2)} µs vs ${(median(foldCost[8000]) * 1000).toFixed(2)} µs)`,
);
