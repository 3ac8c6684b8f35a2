import type { EventStore } from '../../core/ports/event-store.ts';

/**
 * Wakes a live reader when the log grows. Stores that announce appends (PostgreSQL's LISTEN/NOTIFY) wake it
 * at once; others are polled. An append announced while the reader was busy is remembered, not lost.
 */
export function appendSignal(store: EventStore, pollMs: number) {
  let pending = false;
  let wake: (() => void) | null = null;
  const stop = store.watch?.(() => {
    pending = true;
    wake?.();
  });
  return {
    /** Resolves on the next append (or at once if one came since the last call), or after `idleMs` at most. */
    next(idleMs: number): Promise<void> {
      if (pending || !stop) {
        pending = false;
        return stop ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, idleMs);
        function done() {
          clearTimeout(timer);
          wake = null;
          pending = false;
          resolve();
        }
        wake = done;
      });
    },
    close: () => stop?.(),
  };
}
