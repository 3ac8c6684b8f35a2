import { describe, expect, it } from 'vitest';
import { SiaEvent, type StoredEvent } from '../core/events/index.ts';
import { evolve, foldLoop, initialLoopState } from '../core/loop/state.ts';
import { envelope } from './support/decider-spec.ts';
import { evaluationRecorded, experimentCreated, scaffoldProposed } from './support/events.ts';

const stored = (event: { type: string; data: unknown }, position: number): StoredEvent =>
  ({ ...SiaEvent.parse({ type: event.type, data: event.data }), ...envelope(position) }) as StoredEvent;

function history(nodes: number, from = 0): StoredEvent[] {
  const events = from === 0 ? [stored(experimentCreated('x'), 1)] : [];
  for (let i = from; i < from + nodes; i++) {
    events.push(stored(scaffoldProposed('x', `n${i}`, i === 0 ? null : `n${i - 1}`), events.length + 2 + from * 3));
    events.push(stored(evaluationRecorded('x', `r${i}`, `n${i}`, 'dev', i / 100), events.length + 2 + from * 3));
    events.push(stored({ type: 'scaffold.accepted', data: { experimentId: 'x', nodeId: `n${i}`, comparison: null } }, events.length + 2 + from * 3));
  }
  return events;
}

describe('foldLoop', () => {
  it('folds to the same state as evolving event by event', () => {
    const events = history(40);
    expect(foldLoop(initialLoopState(), events)).toEqual(events.reduce(evolve, initialLoopState()));
  });

  it('never changes a state it was given, nor one it returned earlier', () => {
    const first = foldLoop(initialLoopState(), history(5));
    const snapshot = structuredClone(first);
    const second = foldLoop(first, history(5, 5));
    expect(first).toEqual(snapshot);
    expect(second.nodeOrder).toHaveLength(10);
    expect(Object.keys(second.runs)).toHaveLength(10);
    expect(second.nodes.n3).toBe(first.nodes.n3);
  });

  it('leaves plain evolve copying: a state evolve returned is not changed by a later evolve', () => {
    const events = history(3);
    const before = events.slice(0, 4).reduce(evolve, initialLoopState());
    const snapshot = structuredClone(before);
    events.slice(4).reduce(evolve, before);
    expect(before).toEqual(snapshot);
  });
});
