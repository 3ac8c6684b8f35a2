/**
 * Appends 100k ~200-byte events through our store (validation + hash chain + idempotency check) in batches,
 * and the same rows through raw better-sqlite3 prepared inserts, in one run; then reads ours back with chain
 * verification. Prints events/s and the ratios. Goal: store ≥ 0.6× raw; read-back + verify ≥ 300k events/s.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRows, type ChainHead, type EventRow, RAW_COLUMNS, toRawRow } from '../core/store/chain.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { logEvent } from '../tests/support/events.ts';

const TOTAL = Number(process.argv[2] ?? 100_000);
const BATCH = 100;
const directory = mkdtempSync(join(tmpdir(), 'sia-bench-'));
const message = 'x'.repeat(90); // with the envelope this is ~200 bytes of event JSON

function timed(label: string, work: () => void): number {
  const start = process.hrtime.bigint();
  work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(34)} ${(TOTAL / seconds).toFixed(0).padStart(9)} events/s  (${seconds.toFixed(2)} s)`);
  return TOTAL / seconds;
}

const events = Array.from({ length: TOTAL }, (_, i) => logEvent(`ev-${i}`, `r${Math.floor(i / 1000)}`, i % 1000, message));
console.log(`event JSON size ≈ ${JSON.stringify(events[0]).length} bytes, ${TOTAL} events, batches of ${BATCH}`);

// The baseline writes the very same rows (same table, indexes and triggers; hashes precomputed) with plain
// prepared inserts, so the ratio is the cost of what the store adds: validation, idempotency, chain, versions.
const rawStore = openSqliteEventStore(join(directory, 'raw.db'));
const raw = rawStore.database;
const rows: EventRow[] = [];
for (let i = 0; i < TOTAL; i += BATCH) {
  const batch = events.slice(i, i + BATCH);
  const head: ChainHead = rows.length ? rows[rows.length - 1] : { position: 0, hash: '' };
  rows.push(...buildRows(head, `run-${(batch[0].data as { runId: string }).runId}`, i % 1000, batch, new Date().toISOString()));
}
const insert = raw.prepare(`INSERT INTO events (${RAW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
const insertBatch = raw.transaction((from: number) => {
  for (let i = from; i < Math.min(from + BATCH, TOTAL); i++) insert.run(...toRawRow(rows[i]));
});
const rawRate = timed('raw better-sqlite3 inserts', () => {
  for (let i = 0; i < TOTAL; i += BATCH) insertBatch(i);
});

const store = openSqliteEventStore(join(directory, 'sia.db'));
const storeRate = timed('sia store append (hash chain)', () => {
  for (let i = 0; i < TOTAL; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    store.append(`run-${(batch[0].data as { runId: string }).runId}`, batch);
  }
});

let verified = 0;
const verifyRate = timed('sia read-back + chain verify', () => {
  const result = store.verify();
  if (!result.ok) throw new Error(`chain broken at ${result.position}`);
  verified = result.checked;
});
const readRate = timed('sia typed read (parse + upcast)', () => {
  let count = 0;
  for (const _ of store.iterate()) count += 1;
  if (count !== TOTAL) throw new Error(`read ${count}`);
});

console.log(`verified ${verified} events`);
console.log(`ratio store/raw append: ${(storeRate / rawRate).toFixed(2)}x (goal ≥ 0.60x)`);
console.log(`read-back with verification: ${(verifyRate / 1000).toFixed(0)}k events/s (goal ≥ 300k); typed read ${(readRate / 1000).toFixed(0)}k events/s`);
store.close();
rawStore.close();
