import type { EventStore } from '../../core/ports/event-store.ts';

/** The process "dies" at an append boundary: every append after the first `allowed` ones throws. */
export class Crash extends Error {}
export function dyingAfter(store: EventStore, allowed: number): EventStore {
  let appends = 0;
  return new Proxy(store, {
    get(target, key) {
      if (key !== 'append') return Reflect.get(target, key);
      return (...args: Parameters<EventStore['append']>) => {
        if (++appends > allowed) throw new Crash(`killed after ${allowed} appends`);
        return target.append(...args);
      };
    },
  });
}

/** Dies on the first append after one that stored an event matching `stop`. */
export function dyingAfterEvent(store: EventStore, stop: (event: { type: string; data: unknown }) => boolean): EventStore {
  let dead = false;
  return new Proxy(store, {
    get(target, key) {
      if (key !== 'append') return Reflect.get(target, key);
      return (...args: Parameters<EventStore['append']>) => {
        if (dead) throw new Crash('killed after the awaited event');
        const result = target.append(...args);
        dead = args[1].some(stop);
        return result;
      };
    },
  });
}
