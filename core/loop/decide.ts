import { IllegalStateError } from '../errors.ts';
import type { EventData, GateComparison, SiaEvent } from '../events/index.ts';
import type { LoopState } from './state.ts';

/** Commands the shell sends after doing the IO a step needs; decide turns them into events or refuses. */
export type LoopCommand =
  | { type: 'CreateExperiment'; data: EventData<'experiment.created'> }
  | { type: 'ProposeSeed'; data: EventData<'scaffold.proposed'> }
  | { type: 'RecordDecision'; decision: EventData<'feedback.decided'>; scaffold: EventData<'scaffold.proposed'> | null }
  | { type: 'SubmitTraining'; data: EventData<'training.submitted'> }
  | { type: 'RecordTrainingProgress'; data: EventData<'training.progressed'> }
  | { type: 'CompleteTraining'; completed: EventData<'training.completed'>; checkpoint: EventData<'weights.checkpointed'> }
  | { type: 'FailTraining'; data: EventData<'training.failed'> }
  | { type: 'Gate'; nodeId: string; comparison: GateComparison }
  | { type: 'RecordServing'; data: EventData<'weights.served'> }
  | { type: 'RecordServingParity'; data: EventData<'serving.parity_checked'> }
  | { type: 'RecordEvaluation'; data: EventData<'evaluation.recorded'> }
  | { type: 'Cancel'; data: EventData<'work.cancelled'> }
  | { type: 'OverrideSettings'; data: EventData<'settings.overridden'> }
  | { type: 'Finish'; data: EventData<'experiment.finished'> }
  | { type: 'Branch'; data: EventData<'experiment.branched'> };

export function decide(command: LoopCommand, state: LoopState): SiaEvent[] {
  if (command.type === 'Branch') return branch(command, state);
  if (command.type !== 'CreateExperiment' && state.status !== 'running') {
    throw new IllegalStateError(`experiment ${state.experimentId ?? '(none)'} is ${state.status}: cannot ${command.type}`);
  }
  switch (command.type) {
    case 'CreateExperiment':
      if (state.status !== 'empty') throw new IllegalStateError(`experiment ${state.experimentId} already exists`);
      return [{ type: 'experiment.created', data: command.data }];
    case 'ProposeSeed':
      if (state.currentNodeId) throw new IllegalStateError('the seed scaffold was already proposed');
      // The Meta-Agent's v0 has no parent to beat: it is accepted as the starting point.
      return [
        { type: 'scaffold.proposed', data: command.data },
        { type: 'scaffold.accepted', data: { experimentId: command.data.experimentId, nodeId: command.data.nodeId, comparison: null } },
      ];
    case 'RecordDecision':
      return recordDecision(command, state);
    case 'SubmitTraining':
      if (!state.pendingWeights) throw new IllegalStateError('no weights decision is waiting for training');
      return [{ type: 'training.submitted', data: command.data }];
    case 'RecordTrainingProgress':
      return [{ type: 'training.progressed', data: command.data }];
    case 'CompleteTraining':
      if (!state.training[command.completed.jobId]) throw new IllegalStateError(`training job ${command.completed.jobId} was never submitted`);
      return [
        { type: 'training.completed', data: command.completed },
        { type: 'weights.checkpointed', data: command.checkpoint },
      ];
    case 'FailTraining':
      return [{ type: 'training.failed', data: command.data }];
    case 'Gate':
      return gate(command, state);
    case 'RecordServing':
      return recordServing(command.data, state);
    case 'RecordServingParity':
      if (state.parityChecked.includes(command.data.adapterId)) {
        throw new IllegalStateError(`adapter ${command.data.adapterId}'s serving parity is already recorded: it is checked once`);
      }
      return [{ type: 'serving.parity_checked', data: command.data }];
    case 'RecordEvaluation':
      return recordEvaluation(command.data, state);
    case 'Cancel':
      return cancel(command.data, state);
    case 'OverrideSettings':
      return [{ type: 'settings.overridden', data: command.data }];
    case 'Finish':
      // Stopping closes what is open: a proposed node or a weights decision is cancelled first, never left behind.
      if (state.candidateNodeId || state.pendingWeights) throw new IllegalStateError('work is still open: cancel it before finishing');
      return [{ type: 'experiment.finished', data: command.data }];
    default: {
      const unknown: never = command;
      throw new IllegalStateError(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

function recordDecision(command: Extract<LoopCommand, { type: 'RecordDecision' }>, state: LoopState): SiaEvent[] {
  const { decision, scaffold } = command;
  if (decision.kind === 'weights' && state.mode === 'h') throw new IllegalStateError('mode h freezes the weights: a weights decision is not allowed');
  if (decision.nodeId !== state.currentNodeId)
    throw new IllegalStateError(`decisions start from the current node ${state.currentNodeId}, not ${decision.nodeId}`);
  if (state.candidateNodeId || state.pendingWeights) throw new IllegalStateError('a previous change is still waiting for its gate');
  if (decision.kind === 'harness') {
    if (!scaffold) throw new IllegalStateError('a harness decision needs the proposed scaffold');
    const parent = state.nodes[decision.nodeId];
    if (scaffold.adapterId !== parent.adapterId) throw new IllegalStateError('a harness edit keeps the parent adapter frozen');
    // The decision and its scaffold are one fact: appended together so a kill cannot separate them.
    return [
      { type: 'feedback.decided', data: decision },
      { type: 'scaffold.proposed', data: scaffold },
    ];
  }
  return [{ type: 'feedback.decided', data: decision }];
}

/** True when serving `next` differs from what the log says the server serves (a first serving counts). */
export function servingChanged(state: LoopState, next: { adapterId: string | null; servedName: string }): boolean {
  return state.served === null || state.served.adapterId !== next.adapterId || state.served.servedName !== next.servedName;
}

/** Switching adapters is one event (a rollback names the parent's adapter); serving what is served is refused. */
function recordServing(data: EventData<'weights.served'>, state: LoopState): SiaEvent[] {
  if (data.adapterId !== null && !Object.values(state.nodes).some((node) => node.adapterId === data.adapterId)) {
    throw new IllegalStateError(`adapter ${data.adapterId} was never checkpointed in experiment ${state.experimentId}`);
  }
  if (!servingChanged(state, data)) throw new IllegalStateError(`${data.servedName} is already served: nothing changed`);
  return [{ type: 'weights.served', data }];
}

function gate(command: Extract<LoopCommand, { type: 'Gate' }>, state: LoopState): SiaEvent[] {
  const node = state.nodes[command.nodeId];
  if (node?.status !== 'proposed') throw new IllegalStateError(`node ${command.nodeId} is not waiting for the gate`);
  const data = { experimentId: state.experimentId as string, nodeId: node.id, comparison: command.comparison };
  if (node.kind === 'weights') {
    const adapterId = node.adapterId as string;
    return [{ type: command.comparison.accepted ? 'weights.accepted' : 'weights.rejected', data: { ...data, adapterId } }];
  }
  return [{ type: command.comparison.accepted ? 'scaffold.accepted' : 'scaffold.rejected', data }];
}

/** A branch may start from any node the gate has ruled on, in a running or finished experiment. */
function branch(command: Extract<LoopCommand, { type: 'Branch' }>, state: LoopState): SiaEvent[] {
  const { data } = command;
  if (state.status === 'empty') throw new IllegalStateError(`experiment ${data.experimentId} does not exist`);
  if (data.experimentId !== state.experimentId)
    throw new IllegalStateError(`node ${data.fromNodeId} belongs to experiment ${state.experimentId}, not ${data.experimentId}`);
  const node = state.nodes[data.fromNodeId];
  if (!node) throw new IllegalStateError(`node ${data.fromNodeId} is not in experiment ${data.experimentId}`);
  if (node.status === 'proposed') throw new IllegalStateError(`node ${data.fromNodeId} is still waiting for its gate: fork from a node the gate has ruled on`);
  if (!(Number.isInteger(data.iterations) && data.iterations > 0))
    throw new IllegalStateError(`a branch needs a positive number of iterations, not ${data.iterations}`);
  return [{ type: 'experiment.branched', data }];
}

function recordEvaluation(data: EventData<'evaluation.recorded'>, state: LoopState): SiaEvent[] {
  if (!state.nodes[data.nodeId]) throw new IllegalStateError(`node ${data.nodeId} is not in experiment ${state.experimentId}`);
  if (state.runs[data.runId]) throw new IllegalStateError(`run ${data.runId} was already recorded`);
  if (data.purpose === 'rollout' && state.pendingWeights?.nodeId !== data.nodeId && !probing(state, data.nodeId)) {
    throw new IllegalStateError(
      `no weights decision on ${data.nodeId} is collecting rollouts, and it is not the current node of a w+h experiment between decisions (a probe)`,
    );
  }
  return [{ type: 'evaluation.recorded', data }];
}

/** A probe: rollouts of the current node of a w+h experiment with nothing open, drawn for the next decision's statistics. */
function probing(state: LoopState, nodeId: string): boolean {
  return state.mode === 'w+h' && state.currentNodeId === nodeId && !state.candidateNodeId && !state.pendingWeights;
}

/** Cancels the open candidate (its node) or the open weights decision (node null, its job when one was submitted). */
function cancel(data: EventData<'work.cancelled'>, state: LoopState): SiaEvent[] {
  if (data.nodeId !== null && data.nodeId !== state.candidateNodeId) throw new IllegalStateError(`node ${data.nodeId} is not the open candidate`);
  if (data.nodeId === null && !state.pendingWeights) throw new IllegalStateError('no weights decision is open');
  return [{ type: 'work.cancelled', data }];
}
