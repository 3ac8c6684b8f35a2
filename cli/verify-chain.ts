import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EventStore, VerifyResult } from '../core/ports/event-store.ts';

/** Below this many events one thread is done before workers have started. */
export const PARALLEL_FROM_EVENTS = 50_000;
const CHUNK = 10_000;
const defaultWorkers = () => Math.min(4, Math.max(2, availableParallelism()));

export interface ChainCheck {
  /** What store.verify() returns when the chain and the blobs hold: every event checked, the stored head. */
  assumed: VerifyResult;
  /** Whether they hold; false leaves naming the first problem to store.verify(). */
  holds: Promise<boolean>;
}

/**
 * Starts the store's verify() (every row's hash and link, then every blob's hash) with the chain split into chunks
 * checked by worker threads, when the log is a large SQLite file (else null): each row's hash depends only on the
 * stored hash before it, so chunks check independently and together prove the chain. This thread stays free for
 * the rest of `sia verify` meanwhile. Workers only say whether a chunk is intact; when one is not, or a blob is
 * changed, the store's own sequential check names the first problem, so reports stay exactly those of store.verify().
 */
export function startChainCheck(store: EventStore, file: string, workers = defaultWorkers()): ChainCheck | null {
  const head = store.head();
  if (store.kind !== 'sqlite' || head < PARALLEL_FROM_EVENTS) return null;
  const chunks = checkChunks(file, head, workers);
  return { assumed: { ok: true, checked: head, head: store.hashAt(head) }, holds: chunks.then((intact) => intact && blobsIntact(store)) };
}

/** store.verify(), in parallel where that pays. */
export async function verifyChain(store: EventStore, file: string, workers = defaultWorkers()): Promise<VerifyResult> {
  const check = startChainCheck(store, file, workers);
  return check && (await check.holds) ? check.assumed : store.verify();
}

function blobsIntact(store: EventStore): boolean {
  for (const sha of store.blobHashes()) {
    try {
      store.getBlob(sha);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Deals chunks of positions 1..head to the workers round robin, all at once (this thread may be busy until the
 * end); resolves false at the first broken chunk, true when every chunk is intact.
 */
export function checkChunks(file: string, head: number, count: number): Promise<boolean> {
  const chunks: { from: number; to: number }[] = [];
  for (let from = 1; from <= head; from += CHUNK) chunks.push({ from, to: Math.min(head, from + CHUNK - 1) });
  const threads = Array.from(
    { length: Math.min(count, chunks.length) },
    () => new Worker(new URL('./verify-worker.mjs', import.meta.url), { workerData: { file } }),
  );
  return new Promise<boolean>((resolve) => {
    let pending = chunks.length;
    let settled = false;
    const finish = (intact: boolean) => {
      if (settled) return;
      settled = true;
      for (const thread of threads) void thread.terminate();
      resolve(intact);
    };
    for (const thread of threads) {
      thread.on('message', ({ intact }: { intact: boolean }) => {
        if (!intact) return finish(false);
        pending -= 1;
        if (pending === 0) finish(true);
      });
      // A worker that cannot run (no threads, a native module that will not load) leaves the check to the store.
      thread.on('error', () => finish(false));
    }
    chunks.forEach((chunk, index) => {
      threads[index % threads.length]!.postMessage(chunk);
    });
  });
}
