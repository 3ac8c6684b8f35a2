import { expect } from 'vitest';
import { type EventEnvelope, SiaEvent, type StoredEvent } from '../../core/events/index.ts';
import { decide, type LoopCommand } from '../../core/loop/decide.ts';
import { evolve, initialLoopState, type LoopState } from '../../core/loop/state.ts';

/** The envelope of the event at `position` in the one test experiment's stream. */
export const envelope = (position: number): EventEnvelope => ({
  position,
  id: `e${position}`,
  streamId: 'experiment-x',
  streamVersion: position,
  schemaVersion: 1,
  recordedAt: '2026-11-25T00:00:00.000Z',
  metadata: null,
});

/** given(events).when(command).then(events) | thenThrows(ErrorClass) — the loop decider, no mocks. */
export function given(...events: SiaEvent[]) {
  // Parsed like the store parses at append, so schema defaults are filled in.
  const state = events.reduce<LoopState>(
    (folded, event, index) => evolve(folded, { ...SiaEvent.parse(event), ...envelope(index + 1) } as StoredEvent),
    initialLoopState(),
  );
  return {
    state,
    when(command: LoopCommand) {
      return {
        then(expected: Array<Pick<SiaEvent, 'type'> & { data?: unknown }>) {
          const produced = decide(command, state);
          expect(produced.map((event) => event.type)).toEqual(expected.map((event) => event.type));
          expected.forEach((event, index) => {
            if (event.data) expect(produced[index].data).toMatchObject(event.data as object);
          });
          return produced;
        },
        thenThrows(errorClass: new (...args: never[]) => Error, message?: RegExp) {
          expect(() => decide(command, state)).toThrow(errorClass);
          if (message) expect(() => decide(command, state)).toThrow(message);
        },
      };
    },
  };
}
