// The PostgreSQL side of the synchronous bridge (sync-client.ts): one `pg` connection in a worker thread.
// The main thread posts a request and blocks on a shared flag; this thread runs it, posts the reply on the
// reply port and wakes the main thread. A second connection LISTENs and forwards notifications without
// blocking anyone. Plain JavaScript, so it loads in a worker without a TypeScript loader.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const { url, schema, flag, replyPort, notifyPort } = workerData;
const wake = new Int32Array(flag);
// int8 (positions) as numbers: positions stay far below 2^53.
pg.types.setTypeParser(20, Number);

const client = new pg.Client({ connectionString: url, application_name: 'sia' });
let listener = null;

const handlers = {
  async connect({ migrationsFolder }) {
    await client.connect();
    const name = schema ?? 'public';
    const quoted = `"${name}"`;
    // Checked first: CREATE ... IF NOT EXISTS needs the CREATE privilege even when nothing is created, and a
    // writer role (SELECT and INSERT only) must still open a log that is up to date.
    const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount > 0;
    if (!exists) await client.query(`CREATE SCHEMA ${quoted}`);
    if (schema) await client.query(`SET search_path TO ${quoted}`);
    // The durability of the SQLite store's WAL with synchronous=NORMAL: a crash of the database machine may lose
    // the last appends, never corrupt the chain. Without it every append waits for a WAL flush.
    await client.query('SET synchronous_commit TO off');
    if (migrationsFolder && (await migrationsBehind(migrationsFolder, quoted))) {
      // Two processes opening a new database at once: the advisory lock makes the second wait, then find it done.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`sia-migrate:${name}`]);
      try {
        await migrate(drizzle(client), { migrationsFolder, migrationsSchema: name });
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`sia-migrate:${name}`]);
      }
    }
    return null;
  },
  async query({ sql, params, array }) {
    const result = await client.query({ text: sql, values: params, rowMode: array ? 'array' : undefined });
    return result.rows;
  },
  /** Several statements in one round trip; each result's rows in order. Stops at the first error. */
  async batch({ statements }) {
    const out = [];
    for (const { sql, params, array } of statements) out.push((await client.query({ text: sql, values: params, rowMode: array ? 'array' : undefined })).rows);
    return out;
  },
  async listen() {
    if (listener) return null;
    listener = new pg.Client({ connectionString: url, application_name: 'sia-listen' });
    await listener.connect();
    listener.on('notification', (message) => {
      const [from, head] = String(message.payload).split(':');
      if (from === (schema ?? 'public')) notifyPort.postMessage(Number(head));
    });
    await listener.query('LISTEN sia_events');
    return null;
  },
  async close() {
    await Promise.allSettled([client.end(), listener?.end()]);
    return null;
  },
};

/**
 * Whether the schema lacks migrations of the folder's journal. A log with more applied migrations than this sia
 * knows was written by a newer sia: refused, never read with a schema this code does not understand.
 */
async function migrationsBehind(migrationsFolder, quoted) {
  const known = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')).entries.length;
  const table = await client.query(`SELECT to_regclass('${quoted.replaceAll("'", "''")}.__drizzle_migrations') AS name`);
  if (table.rows[0].name === null) return true;
  const applied = (await client.query(`SELECT count(*)::int AS n FROM ${quoted}.__drizzle_migrations`)).rows[0].n;
  if (applied > known)
    throw new Error(`this log was written by a newer sia: it has ${applied} schema migrations, this sia knows ${known}; upgrade sia to read it`);
  return applied < known;
}

// Requests are handled one at a time, in order: the main thread blocks on each, so none overlap.
parentPort.on('message', async (request) => {
  let reply;
  try {
    reply = { ok: true, value: await handlers[request.op](request) };
  } catch (error) {
    reply = { ok: false, message: String(error?.message ?? error), code: error?.code ?? null, constraint: error?.constraint ?? null };
  }
  replyPort.postMessage(reply);
  Atomics.store(wake, 0, 1);
  Atomics.notify(wake, 0);
});
