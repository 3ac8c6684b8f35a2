/**
 * The PostgreSQL store against the SQLite store, same events in one run: appends in batches of 100 from one
 * writer, appends of single events (what the loop mostly does), and read-back with chain verification. Prints
 * events/s and `ratio X (goal Y)` lines. PostgreSQL pays a network round trip per statement (two per append);
 * what a team gets for it is one log shared by many machines. Needs the test server (SIA_TEST_PG_URL or the
 * default of .ci/run): `node bin/run-ts.js bench/postgres-store.ts [EVENTS]`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '../core/ports/event-store.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { logEvent } from '../tests/support/events.ts';
import { dropTestSchemas, openTestPostgresStore, postgresUnavailable } from '../tests/support/postgres.ts';

const TOTAL = Number(process.argv[2] ?? 20_000);
const SINGLES = Math.min(2000, TOTAL);
if (postgresUnavailable()) process.exit(1);

const events = Array.from({ length: TOTAL }, (_, i) => logEvent(`ev-${i}`, `r${Math.floor(i / 1000)}`, i % 1000, 'x'.repeat(90)));

function rate(work: () => number): number {
  const start = process.hrtime.bigint();
  const count = work();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

function measure(store: EventStore) {
  const batched = rate(() => {
    for (let i = 0; i < TOTAL; i += 100) store.append(`run-${i}`, events.slice(i, i + 100));
    return TOTAL;
  });
  const singles = rate(() => {
    for (let i = 0; i < SINGLES; i++) store.append('run-single', [{ ...events[i], id: `single-${i}` }]);
    return SINGLES;
  });
  const verify = rate(() => {
    const result = store.verify();
    if (!result.ok) throw new Error(`chain broken at ${result.position}`);
    return result.checked;
  });
  store.close();
  return { batched, singles, verify };
}

const sqlite = measure(openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'sia-bench-pg-')), 'sia.db')));
const postgres = measure(openTestPostgresStore());
dropTestSchemas();

const line = (label: string, key: keyof typeof sqlite, goal: number) =>
  console.log(
    `${label.padEnd(30)} sqlite ${sqlite[key].toFixed(0).padStart(7)}/s  postgres ${postgres[key].toFixed(0).padStart(7)}/s  ratio ${(postgres[key] / sqlite[key]).toFixed(2)} (goal ${goal})`,
  );
console.log(`${TOTAL} events of ~200 bytes; ${SINGLES} single-event appends`);
line('append, batches of 100', 'batched', 0.25);
line('append, one event each', 'singles', 0.05);
line('read-back + chain verify', 'verify', 0.2);
