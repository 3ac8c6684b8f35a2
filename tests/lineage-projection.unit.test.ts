import { describe, expect, it } from 'vitest';
import { lineageProjection } from '../core/projections/lineage.ts';
import { project, rebuild } from '../core/store/index.ts';
import { evaluationRecorded, experimentCreated, runFinished, runStarted, scaffoldProposed, verdict, weightsCheckpointed } from './support/events.ts';
import { projectionSpec } from './support/projection-spec.ts';

const spec = projectionSpec(lineageProjection);

describe('lineage projection', () => {
  it('given a seed scaffold, when it is accepted and scored, then the node carries status and scores', () => {
    const state = spec
      .given(experimentCreated('x'), scaffoldProposed('x', 'n0', null))
      .when(
        verdict('scaffold.accepted', 'x', 'n0'),
        runStarted('x', 'r1', 'n0', 'dev'),
        runFinished('x', 'r1', 'n0', 'dev', 0.4),
        evaluationRecorded('x', 'r1', 'n0', 'dev', 0.4),
      )
      .then();
    expect(state.nodes.n0).toMatchObject({ kind: 'seed', status: 'accepted', parentId: null, scores: { dev: 0.4 }, runIds: ['r1'] });
    expect(state.experiments.x.nodeIds).toEqual(['n0']);
  });

  it('given a harness edit and a weight update, then both are children with their kinds, and rejection is kept', () => {
    const state = spec
      .given(experimentCreated('x'), scaffoldProposed('x', 'n0', null), verdict('scaffold.accepted', 'x', 'n0'))
      .when(scaffoldProposed('x', 'n1', 'n0'), verdict('scaffold.rejected', 'x', 'n1'), weightsCheckpointed('x', 'n2', 'n0', 'a1'))
      .then();
    expect(state.nodes.n1).toMatchObject({ kind: 'harness', parentId: 'n0', status: 'rejected' });
    expect(state.nodes.n2).toMatchObject({ kind: 'weights', parentId: 'n0', adapterId: 'a1', algorithm: 'grpo', status: 'proposed' });
    expect(state.experiments.x.nodeIds).toEqual(['n0', 'n1', 'n2']);
  });

  it('does not let a replay run overwrite the original scores', () => {
    const state = spec
      .given(
        experimentCreated('x'),
        scaffoldProposed('x', 'n0', null),
        runStarted('x', 'r1', 'n0', 'dev'),
        runFinished('x', 'r1', 'n0', 'dev', 0.5),
        evaluationRecorded('x', 'r1', 'n0', 'dev', 0.5),
      )
      .when(runStarted('x', 'r2', 'n0', 'dev', 'r1'), runFinished('x', 'r2', 'n0', 'dev', 0.1))
      .then();
    expect(state.nodes.n0.scores.dev).toBe(0.5);
    expect(state.runs.r2).toMatchObject({ replayOf: 'r1', score: 0.1 });
  });

  it('answers as of a past position (time travel) and catches up from its checkpoint', () => {
    const given = spec.given(experimentCreated('x'), scaffoldProposed('x', 'n0', null), scaffoldProposed('x', 'n1', 'n0'));
    expect(Object.keys(given.then().nodes)).toEqual(['n0', 'n1']);
    expect(given.store.loadCheckpoint(`lineage@${lineageProjection.version}`)?.position).toBe(3);
    expect(Object.keys(given.then({ at: 2 }).nodes)).toEqual(['n0']);
    expect(Object.keys(given.then({ at: 1 }).nodes)).toEqual([]);
    given.when(scaffoldProposed('x', 'n2', 'n1'));
    expect(Object.keys(given.then().nodes)).toEqual(['n0', 'n1', 'n2']);
    expect(given.store.loadCheckpoint(`lineage@${lineageProjection.version}`)?.position).toBe(4);
  });

  it('ignores a checkpoint edited in place or from another history, and rebuilds from zero to the same state', () => {
    const given = spec.given(experimentCreated('x'), scaffoldProposed('x', 'n0', null), verdict('scaffold.accepted', 'x', 'n0'));
    const caughtUp = project(given.store, lineageProjection).state;
    const name = `lineage@${lineageProjection.version}`;
    given.store.saveCheckpoint(name, 3, JSON.stringify(lineageProjection.initialState()));
    expect(project(given.store, lineageProjection).state).toEqual(caughtUp);
    const bound = JSON.parse(given.store.loadCheckpoint(name)?.state ?? 'null');
    given.store.saveCheckpoint(name, 3, JSON.stringify({ ...bound, state: JSON.stringify(lineageProjection.initialState()) }));
    expect(project(given.store, lineageProjection).state).toEqual(caughtUp);
    given.store.saveCheckpoint(name, 3, JSON.stringify({ ...bound, chainHash: '0'.repeat(64) }));
    expect(project(given.store, lineageProjection).state).toEqual(caughtUp);
    expect(rebuild(given.store, lineageProjection).state).toEqual(caughtUp);
  });
});
