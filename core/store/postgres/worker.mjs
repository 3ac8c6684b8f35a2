// The PostgreSQL side of the synchronous bridge (sync-client.ts): one `pg` connection in a worker thread.
// The main thread posts a request and blocks on a shared flag; this thread runs it, posts the reply on the
// reply port and wakes the main thread. A second connection LISTENs and forwards notifications without
// blocking anyone. Plain JavaScript, so it loads in a worker without a TypeScript loader.
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
    const quoted = schema ? `"${schema}"` : null;
    if (quoted) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    if (quoted) await client.query(`SET search_path TO ${quoted}`);
    // The durability of the SQLite store's WAL with synchronous=NORMAL: a crash of the database machine may lose
    // the last appends, never corrupt the chain. Without it every append waits for a WAL flush.
    await client.query('SET synchronous_commit TO off');
    if (migrationsFolder) {
      // Two processes opening a new database at once: the advisory lock makes the second wait, then find it done.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [`sia-migrate:${schema ?? 'public'}`]);
      try {
        await migrate(drizzle(client), { migrationsFolder, migrationsSchema: schema ?? 'drizzle' });
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`sia-migrate:${schema ?? 'public'}`]);
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
