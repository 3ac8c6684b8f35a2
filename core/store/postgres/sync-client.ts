import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { StoreError } from '../../errors.ts';

export interface PgStatement {
  sql: string;
  params?: unknown[];
  /** Rows as arrays in column order (verify and copy read raw rows this way). */
  array?: boolean;
}

/** A PostgreSQL error as the bridge reports it: the SQLSTATE code and constraint let callers tell kinds apart. */
export class PgError extends StoreError {
  constructor(
    message: string,
    readonly code: string | null,
    readonly constraint: string | null,
  ) {
    super(`PostgreSQL: ${message}`);
  }
}

export interface SyncPgClient {
  query<Row = Record<string, unknown>>(statement: PgStatement): Row[];
  /** Runs the statements in order in one round trip and returns each one's rows. */
  batch(statements: PgStatement[]): unknown[][];
  /** Calls `onHead` with the new head after every append by any process (LISTEN/NOTIFY). */
  listen(onHead: (head: number) => void): () => void;
  close(): void;
}

const TIMEOUT_MS = 60_000;

/**
 * A synchronous PostgreSQL client. The EventStore port is synchronous (better-sqlite3 is, and the loop's
 * command handler relies on it), so the `pg` connection lives in a worker thread and each call blocks on
 * Atomics.wait until the worker replies. A round trip costs one message each way on top of the query.
 */
export function openSyncPgClient(url: string, options: { schema?: string; migrationsFolder?: string } = {}): SyncPgClient {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new StoreError(`schema "${options.schema}" is not a plain lower-case identifier`, { hint: 'use letters, digits and _ in ?schema=' });
  }
  const flag = new SharedArrayBuffer(4);
  const wake = new Int32Array(flag);
  const replies = new MessageChannel();
  const notifications = new MessageChannel();
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { url, schema: options.schema ?? null, flag, replyPort: replies.port2, notifyPort: notifications.port2 },
    transferList: [replies.port2, notifications.port2],
  });
  worker.unref();
  notifications.port1.unref();
  let closed = false;

  function call<T>(request: Record<string, unknown>): T {
    if (closed) throw new StoreError('the PostgreSQL store is closed');
    Atomics.store(wake, 0, 0);
    worker.postMessage(request);
    if (Atomics.wait(wake, 0, 0, TIMEOUT_MS) === 'timed-out') {
      throw new StoreError(`PostgreSQL did not answer within ${TIMEOUT_MS / 1000} s`, { hint: 'check that the server is up and reachable' });
    }
    const reply = receiveMessageOnPort(replies.port1)?.message as
      | { ok: true; value: T }
      | { ok: false; message: string; code: string | null; constraint: string | null };
    if (!reply) throw new StoreError('the PostgreSQL worker replied nothing');
    if (!reply.ok) throw new PgError(reply.message, reply.code, reply.constraint);
    return reply.value;
  }

  try {
    call({ op: 'connect', migrationsFolder: options.migrationsFolder ?? null });
  } catch (error) {
    closed = true;
    void worker.terminate();
    throw new StoreError(`cannot open the PostgreSQL log at ${redactUrl(url)}: ${(error as Error).message}`, {
      hint: 'check the URL, the password and that the server runs',
    });
  }

  const listeners = new Set<(head: number) => void>();
  notifications.port1.on('message', (head: number) => {
    for (const listener of listeners) listener(head);
  });

  return {
    query: (statement) => call({ op: 'query', ...statement }),
    batch: (statements) => call({ op: 'batch', statements }),
    listen(onHead) {
      if (listeners.size === 0) call({ op: 'listen' });
      listeners.add(onHead);
      notifications.port1.ref();
      return () => {
        listeners.delete(onHead);
        if (listeners.size === 0) notifications.port1.unref();
      };
    },
    close() {
      if (closed) return;
      call({ op: 'close' });
      closed = true;
      notifications.port1.close();
      void worker.terminate();
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
