import { z } from 'zod';
import {
  AuditPerformed,
  EvaluationRecorded,
  ExperimentBranched,
  ExperimentCreated,
  ExperimentFinished,
  SettingsOverridden,
  WorkCancelled,
} from './experiment.ts';
import {
  FeedbackDecided,
  ServingParityChecked,
  TrainingCompleted,
  TrainingFailed,
  TrainingProgressed,
  TrainingSubmitted,
  WeightsAccepted,
  WeightsCheckpointed,
  WeightsRejected,
  WeightsServed,
} from './learning.ts';
import { RewardRecorded, RunFinished, RunStarted, RunStepRecorded } from './run.ts';
import { ScaffoldAccepted, ScaffoldProposed, ScaffoldRejected } from './scaffold.ts';

export * from './common.ts';
export * from './experiment.ts';
export * from './learning.ts';
export * from './run.ts';
export * from './scaffold.ts';

/** Every fact sia records. Past tense, noun first. Parse at IO edges only. */
export const SiaEvent = z.discriminatedUnion('type', [
  ExperimentCreated,
  ExperimentFinished,
  ExperimentBranched,
  AuditPerformed,
  EvaluationRecorded,
  WorkCancelled,
  SettingsOverridden,
  ScaffoldProposed,
  ScaffoldAccepted,
  ScaffoldRejected,
  RunStarted,
  RunStepRecorded,
  RewardRecorded,
  RunFinished,
  FeedbackDecided,
  TrainingSubmitted,
  TrainingProgressed,
  TrainingCompleted,
  TrainingFailed,
  WeightsCheckpointed,
  WeightsAccepted,
  WeightsRejected,
  WeightsServed,
  ServingParityChecked,
]);
export type SiaEvent = z.infer<typeof SiaEvent>;
/** What a writer passes in: fields with schema defaults may be left out. */
export type SiaEventInput = z.input<typeof SiaEvent>;
export type EventType = SiaEvent['type'];
export type EventOf<T extends EventType> = Extract<SiaEvent, { type: T }>;
export type EventData<T extends EventType> = EventOf<T>['data'];

/** Current schema version of each event type. Raise it with an upcaster for the old version, never rewrite. */
export const SCHEMA_VERSIONS: Record<EventType, number> = {
  'experiment.created': 2,
  'experiment.finished': 1,
  'experiment.branched': 1,
  'audit.performed': 1,
  'evaluation.recorded': 1,
  'work.cancelled': 1,
  'settings.overridden': 1,
  'scaffold.proposed': 1,
  'scaffold.accepted': 1,
  'scaffold.rejected': 1,
  'run.started': 1,
  'run.step_recorded': 1,
  'reward.recorded': 1,
  'run.finished': 2,
  'feedback.decided': 1,
  'training.submitted': 1,
  'training.progressed': 1,
  'training.completed': 1,
  'training.failed': 1,
  'weights.checkpointed': 1,
  'weights.accepted': 1,
  'weights.rejected': 1,
  'weights.served': 1,
  'serving.parity_checked': 1,
};

/** Metadata every stored event carries besides its type and data. */
export interface EventEnvelope {
  position: number;
  id: string;
  streamId: string;
  streamVersion: number;
  schemaVersion: number;
  recordedAt: string;
  metadata: Record<string, unknown> | null;
}

export type StoredEvent<E extends SiaEvent = SiaEvent> = E & EventEnvelope;
