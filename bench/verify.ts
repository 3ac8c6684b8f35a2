/**
 * How fast `sia verify` checks the hash chain: a log of 200k ~230-byte events read back by (a) a raw single-thread
 * loop (better-sqlite3 raw rows + one sha256 per row, nothing else), (b) the store's sequential verify() and
 * (c) cli/verify-chain.ts, which hands chunks to worker threads; the three alternate, medians of 3. Then the whole
 * command (`sia verify`, a child process: start-up, chain, streams, blobs, checkpoints). Goal: ≥ 300k events/s.
 *   node bin/run-ts.js bench/verify.ts [EVENTS]
 */
import { execFileSync } from 'node:child_process';
import { hash as digest } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARALLEL_FROM_EVENTS, verifyChain } from '../cli/verify-chain.ts';
import { RAW_COLUMNS } from '../core/store/chain.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { logEvent } from '../tests/support/events.ts';
import { loadAverageLine } from './support/process-stats.ts';

const TOTAL = Number(process.argv[2] ?? 200_000);
if (TOTAL < PARALLEL_FROM_EVENTS) throw new Error(`use at least ${PARALLEL_FROM_EVENTS} events: fewer are checked on one thread`);
const file = join(mkdtempSync(join(tmpdir(), 'sia-verify-')), 'sia.db');
const writer = openSqliteEventStore(file);
for (let i = 0; i < TOTAL; i += 1000)
  writer.append(
    `run-r${i / 1000}`,
    Array.from({ length: 1000 }, (_, j) => logEvent(`e${i + j}`, `r${i}`, j, 'x'.repeat(90))),
  );
writer.close();
const store = openSqliteEventStore(file, { readonly: true });

function rawLoop(): number {
  let previous = '';
  let count = 0;
  for (const row of store.database.prepare(`SELECT ${RAW_COLUMNS} FROM events ORDER BY position`).raw(true).iterate() as IterableIterator<unknown[]>) {
    const [position, eventId, streamId, streamVersion, type, schemaVersion, data, metadata, recordedAt, hash] = row;
    const text = `${previous}\n${position}\n${eventId}\n${streamId}\n${streamVersion}\n${type}\n${schemaVersion}\n${recordedAt}\n${metadata ?? ''}\n${data}`;
    if (digest('sha256', text, 'hex') !== hash) throw new Error(`raw loop: mismatch at ${position}`);
    previous = hash as string;
    count += 1;
  }
  return count;
}

async function rate(label: string, work: () => number | Promise<number>): Promise<number> {
  const started = performance.now();
  const checked = await work();
  if (checked !== TOTAL) throw new Error(`${label} checked ${checked} of ${TOTAL}`);
  return TOTAL / ((performance.now() - started) / 1000);
}
const checkedBy = (result: { ok: boolean; checked: number }) => (result.ok ? result.checked : -1);

const paths: Record<string, () => number | Promise<number>> = {
  'raw single-thread loop': rawLoop,
  'store.verify() (one thread)': () => checkedBy(store.verify()),
  'verify-chain (workers)': async () => checkedBy(await verifyChain(store, file)),
};
const rates = Object.fromEntries(Object.keys(paths).map((name) => [name, [] as number[]]));
for (let round = 0; round < 3; round++) for (const [name, work] of Object.entries(paths)) rates[name]!.push(await rate(name, work));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[1]!;
for (const [name, values] of Object.entries(rates)) console.log(`${name.padEnd(28)} ${(median(values) / 1000).toFixed(0).padStart(5)}k events/s`);

const sia = join(import.meta.dirname, '..', 'bin', 'sia.js');
const started = performance.now();
const printed = execFileSync(process.execPath, [sia, 'verify', '--db', file], { encoding: 'utf8' });
const commandRate = TOTAL / ((performance.now() - started) / 1000);
console.log(`sia verify (whole command)   ${(commandRate / 1000).toFixed(0).padStart(5)}k events/s: ${printed.trim().slice(0, 40)}…`);

const parallel = median(rates['verify-chain (workers)']!);
console.log(`ratio ${(parallel / median(rates['raw single-thread loop']!)).toFixed(2)} — chain check with workers / the raw single-thread loop`);
console.log(`ratio ${(parallel / median(rates['store.verify() (one thread)']!)).toFixed(2)} — chain check with workers / store.verify()`);
console.log(`ratio ${(parallel / 300_000).toFixed(2)} (goal ≥ 1) — chain check with workers / 300k events/s (${(parallel / 1000).toFixed(0)}k)`);
console.log(loadAverageLine());
store.close();
