import { describe, expect, it } from 'vitest';
import { IllegalStateError } from '../core/errors.ts';
import type { EventData } from '../core/events/index.ts';
import { createInMemoryEventStore } from '../core/store/index.ts';
import { createExperimentLog } from '../loop/experiment-log.ts';
import { experimentCreated, scaffoldProposed } from './support/events.ts';

const created = experimentCreated('x').data as EventData<'experiment.created'>;
const seed = scaffoldProposed('x', 'n0', null).data as EventData<'scaffold.proposed'>;

describe('the experiment command handler', () => {
  it('on a concurrent append, folds what the other writer stored and decides again', () => {
    const store = createInMemoryEventStore();
    const first = createExperimentLog(store, 'x');
    first.execute({ type: 'CreateExperiment', data: created });
    const stale = createExperimentLog(store, 'x');
    first.execute({ type: 'RecordTrainingProgress', data: { jobId: 'j', step: 1, totalSteps: 2, metrics: {} } });
    stale.execute({ type: 'ProposeSeed', data: seed });
    expect(store.read({ streamId: 'experiment-x' }).map((event) => event.type)).toEqual([
      'experiment.created',
      'training.progressed',
      'scaffold.proposed',
      'scaffold.accepted',
    ]);
    expect(stale.state.currentNodeId).toBe('n0');
  });

  it('refuses when the other writer already did it: nothing is appended twice', () => {
    const store = createInMemoryEventStore();
    const first = createExperimentLog(store, 'x');
    first.execute({ type: 'CreateExperiment', data: created });
    const stale = createExperimentLog(store, 'x');
    first.execute({ type: 'ProposeSeed', data: seed });
    expect(() => stale.execute({ type: 'ProposeSeed', data: { ...seed, nodeId: 'n9' } })).toThrow(IllegalStateError);
    expect(store.read({ streamId: 'experiment-x', types: ['scaffold.proposed'] })).toHaveLength(1);
  });
});
