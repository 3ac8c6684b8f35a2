/**
 * Appends events through our store (validation + hash chain + idempotency check) in batches, and the same rows
 * through raw better-sqlite3 prepared inserts, batch by batch alternating, in one run, for two kinds of event: 100k small (~230-byte) log
 * steps, and real LawBench model-call steps recorded by a short `sia run --task lawbench` into a temporary log
 * (their long parts, prompts and the candidate list, are blobs; the bench appends the step events as recorded).
 * Then reads the small ones back with chain verification. Goal: store ≥ 0.6× raw for both; read-back + verify
 * ≥ 300k events/s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NewEvent } from '../core/ports/event-store.ts';
import { buildRows, type ChainHead, type EventRow, RAW_COLUMNS, toRawRow } from '../core/store/chain.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { logEvent } from '../tests/support/events.ts';

const TOTAL = Number(process.argv[2] ?? 100_000);
const BATCH = 100;
const directory = mkdtempSync(join(tmpdir(), 'sia-bench-'));
const message = 'x'.repeat(90); // with the envelope this is ~200 bytes of event JSON

function timed(label: string, count: number, work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(40)} ${(count / seconds).toFixed(0).padStart(9)} events/s  (${seconds.toFixed(2)} s)`);
  return count / seconds;
}

/** Real step events: one h iteration of LawBench recorded into a fresh log by the CLI, read back as new events. */
function recordedLawbenchSteps(): NewEvent[] {
  const file = join(directory, 'lawbench.db');
  const sia = fileURLToPath(new URL('../bin/sia.js', import.meta.url));
  execFileSync(process.execPath, [sia, 'run', '--task', 'lawbench', '--mode', 'h', '--iterations', '1', '--db', file], { cwd: directory, stdio: 'ignore' });
  const recorded = openSqliteEventStore(file, { readonly: true });
  const steps = recorded.read({ types: ['run.step_recorded'] }).filter((event) => event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call');
  recorded.close();
  return steps.map((event, i) => ({ id: `step-${i}`, type: event.type, data: event.data }) as NewEvent);
}

/**
 * The baseline writes the very same rows (same table, indexes and triggers; hashes precomputed) with plain
 * prepared inserts, so the ratio is the cost of what the store adds: validation, idempotency, chain, versions.
 */
function compare(name: string, events: NewEvent[], streamOf: (batch: NewEvent[]) => string) {
  const count = events.length;
  console.log(
    `${name}: event JSON ≈ ${Math.round(events.reduce((sum, event) => sum + JSON.stringify(event).length, 0) / count)} chars, ${count} events, batches of ${BATCH}`,
  );
  const rawStore = openSqliteEventStore(join(directory, `${name}-raw.db`));
  const rows: EventRow[] = [];
  const versions = new Map<string, number>();
  for (let i = 0; i < count; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const head: ChainHead = rows.length ? rows[rows.length - 1] : { position: 0, hash: '' };
    const stream = streamOf(batch);
    rows.push(...buildRows(head, stream, versions.get(stream) ?? 0, batch, new Date().toISOString()));
    versions.set(stream, (versions.get(stream) ?? 0) + batch.length);
  }
  const insert = rawStore.database.prepare(`INSERT INTO events (${RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertBatch = rawStore.database.transaction((from: number) => {
    for (let i = from; i < Math.min(from + BATCH, count); i++) insert.run(...toRawRow(rows[i]));
  });
  const store = openSqliteEventStore(join(directory, `${name}.db`));
  // Batch by batch, alternating the two, so the machine's load (shared cores) hits both alike.
  let rawNs = 0n;
  let storeNs = 0n;
  for (let i = 0; i < count; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const start = process.hrtime.bigint();
    insertBatch(i);
    const middle = process.hrtime.bigint();
    store.append(streamOf(batch), batch);
    storeNs += process.hrtime.bigint() - middle;
    rawNs += middle - start;
  }
  const rawRate = (count * 1e9) / Number(rawNs);
  const storeRate = (count * 1e9) / Number(storeNs);
  console.log(`${name}: raw better-sqlite3 inserts ${rawRate.toFixed(0)} events/s, sia store append (hash chain) ${storeRate.toFixed(0)} events/s`);
  rawStore.close();
  return { store, ratio: storeRate / rawRate };
}

const real = recordedLawbenchSteps();
const small = Array.from({ length: TOTAL }, (_, i) => logEvent(`ev-${i}`, `r${Math.floor(i / 1000)}`, i % 1000, message));
const runStream = (batch: NewEvent[]) => `run-${(batch[0].data as { runId: string }).runId}`;
// Real steps repeated to a comparable count (fresh ids), so both cases time long enough.
const realRepeated = Array.from({ length: Math.ceil(40_000 / real.length) }, (_, round) =>
  real.map((event) => ({ ...event, id: `${event.id}-${round}` })),
).flat();
const realCase = compare('lawbench', realRepeated, runStream);
realCase.store.close();
const smallCase = compare('small', small, runStream);
const { store } = smallCase;

let verified = 0;
const verifyRate = timed('small: read-back + chain verify', TOTAL, () => {
  const result = store.verify();
  if (!result.ok) throw new Error(`chain broken at ${result.position}`);
  verified = result.checked;
});
const readRate = timed('small: typed read (parse + upcast)', TOTAL, () => {
  let count = 0;
  for (const _ of store.iterate()) count += 1;
  if (count !== TOTAL) throw new Error(`read ${count}`);
});

console.log(`verified ${verified} events`);
console.log(`ratio ${realCase.ratio.toFixed(2)} (goal 0.6) store/raw append, real LawBench step events`);
console.log(`ratio ${smallCase.ratio.toFixed(2)} (goal 0.6) store/raw append, small events`);
console.log(`read-back with verification: ${(verifyRate / 1000).toFixed(0)}k events/s (goal ≥ 300k); typed read ${(readRate / 1000).toFixed(0)}k events/s`);
store.close();
