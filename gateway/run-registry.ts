import type { Usage } from '../core/events/index.ts';
import type { EventStore, NewEvent } from '../core/ports/event-store.ts';
import { createRequestBlobs } from './request-blobs.ts';

export interface ActiveRun {
  nextIndex: number;
  usage: Usage;
  /** Rollouts sample the policy whatever temperature the scaffold asks for. */
  temperature: number | null;
  seed: number;
  /** Recorded steps not yet appended: written in batches, and always before the run closes. */
  pending: NewEvent[];
}

const noUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, costUsd: null });

/**
 * Runs the gateway records calls for. A call naming no open run is refused (nothing goes unrecorded).
 * Steps are appended in batches per run (one transaction per batch instead of per call) and flushed when the
 * run closes, before its run.finished: a kill can only lose steps of an unfinished run, which resume repeats.
 */
export function createRunRegistry(store: EventStore, options: { flushEvery?: number } = {}) {
  const flushEvery = options.flushEvery ?? 32;
  const runs = new Map<string, ActiveRun>();
  const flush = (runId: string, run: ActiveRun) => {
    if (run.pending.length) store.append(`run-${runId}`, run.pending.splice(0));
  };
  return {
    /** A request in the form its step event stores (long parts as blobs). */
    storedRequest: createRequestBlobs(store),
    open(runId: string, options: { temperature?: number | null; seed?: number } = {}) {
      runs.set(runId, { nextIndex: 0, usage: noUsage(), temperature: options.temperature ?? null, seed: options.seed ?? 0, pending: [] });
    },
    get: (runId: string) => runs.get(runId),
    record(runId: string, event: NewEvent) {
      const run = runs.get(runId);
      if (!run) return;
      run.pending.push(event);
      if (run.pending.length >= flushEvery) flush(runId, run);
    },
    close(runId: string): Usage {
      const run = runs.get(runId);
      if (run) flush(runId, run);
      runs.delete(runId);
      return run?.usage ?? noUsage();
    },
  };
}
export type RunRegistry = ReturnType<typeof createRunRegistry>;
