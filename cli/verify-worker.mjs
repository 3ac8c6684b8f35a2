// Checks chunks of the hash chain for `sia verify` (cli/verify-chain.ts) in a worker thread, reading the SQLite
// file itself. Plain JavaScript so it starts without tsx or zod. The hash input below must stay the one in
// core/store/chain.ts (hashFields): tests/verify-parallel.e2e.test.ts checks an intact log verifies both ways.
import { hash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const PAGE = 1000;
const SAFE = 9007199254740991;
// SQLite joins each row's fields as the hash input (one string per row instead of nine is most of the speed-up).
// It prints a value as JavaScript does only for text and safe integers: a row holding anything else is
// reported not intact here, and the store's own check decides.
const rowsSql = `SELECT position, hash,
    char(10) || position || char(10) || event_id || char(10) || stream_id || char(10) || stream_version || char(10) || type || char(10)
      || schema_version || char(10) || recorded_at || char(10) || coalesce(metadata, '') || char(10) || data,
    typeof(event_id) = 'text' AND typeof(stream_id) = 'text' AND typeof(type) = 'text' AND typeof(data) = 'text'
      AND typeof(recorded_at) = 'text' AND typeof(metadata) IN ('text', 'null') AND typeof(hash) = 'text'
      AND typeof(stream_version) = 'integer' AND abs(stream_version) <= ${SAFE} AND typeof(schema_version) = 'integer' AND abs(schema_version) <= ${SAFE}
  FROM events WHERE position BETWEEN ? AND ? ORDER BY position`;
const database = new Database(workerData.file, { readonly: true, fileMustExist: true });
const rows = database.prepare(rowsSql).raw(true);
const hashAt = database.prepare('SELECT hash FROM events WHERE position = ?').pluck();
const belowOne = database.prepare('SELECT COUNT(*) FROM events WHERE position < 1').pluck();

/** True when positions from..to are all there, in order, and each row's hash is sha256(the stored hash before it ‖ its fields). */
function chunkIsIntact(from, to) {
  if (from === 1 && belowOne.get() !== 0) return false;
  let previous = from === 1 ? '' : hashAt.get(from - 1);
  if (typeof previous !== 'string') return false;
  let expected = from;
  // Pages of a thousand rows: one call into SQLite each, and arrays small enough to die young.
  for (let pageFrom = from; pageFrom <= to; pageFrom += PAGE) {
    for (const [position, stored, fields, plain] of rows.all(pageFrom, Math.min(to, pageFrom + PAGE - 1))) {
      if (position !== expected || plain !== 1) return false;
      if (hash('sha256', previous + fields, 'hex') !== stored) return false;
      previous = stored;
      expected += 1;
    }
  }
  return expected === to + 1;
}

parentPort.on('message', ({ from, to }) => {
  parentPort.postMessage({ from, intact: chunkIsIntact(from, to) });
});
