import type { RewardStatistics } from '../events/index.ts';
import type { LossKind, TrainJob, TrainRow } from './trainer.ts';

/** One sampled completion of a prompt, as recorded by the gateway, with the reward of its item. */
export interface Rollout {
  groupId: string;
  trajectoryId: string;
  exampleId: string;
  tokens: number[];
  /** 1 on policy-generated tokens. */
  mask: number[];
  samplerLogprobs: number[];
  reward: number;
  /** Per-token rewards where the task gives them (else the outcome reward sits on the last token). */
  tokenRewards?: number[];
  refLogprobs?: number[] | null;
  context?: Record<string, unknown>;
}

export interface AlgorithmPlan {
  rows: TrainRow[];
  /** The parts of the train job this algorithm fixes (loss kind, aggregation, clipping, KL, DPO beta, GAE). */
  loss: Partial<TrainJob['loss']> & { kind: LossKind };
  /** Figures worth recording (advantage mean/std, kept samples, pairs). */
  stats: Record<string, number>;
}

export interface Algorithm {
  readonly id: string;
  readonly title: string;
  /** The reward shape it suits, in words (shown by `sia algos list` and to LLM Feedback-Agents). */
  readonly suits: string;
  readonly defaults: Record<string, number | string | boolean>;
  plan(groups: Rollout[][], options?: Record<string, unknown>): AlgorithmPlan;
}

export type AlgorithmFactory = () => Algorithm;

export interface AlgorithmAdvice {
  algorithm: string;
  reason: string;
  statistics: RewardStatistics;
}
