/**
 * The trainer contract shared by TypeScript and the gpu/ worker (reference: training-anchors.md §5).
 * TS computes advantages, pairs and selections; trainers run a few fixed losses over rows.
 */

export type LossKind = 'is' | 'ppo_clip' | 'cispo' | 'cross_entropy' | 'dpo' | 'ppo_gae';
export type Aggregation = 'token_sum' | 'token_mean' | 'seq_mean_token_mean' | 'constant';

export interface TrainJob {
  schema: 'sia.train-job/v1';
  job_id: string;
  base_model: string;
  base_revision: string | null;
  adapter_in: string | null;
  adapter_out: string;
  lora: { rank: number; alpha: number; dropout: number; target_modules: string | string[]; target_parameters: string[] };
  loss: {
    kind: LossKind;
    clip_low: number;
    clip_high: number;
    agg: Aggregation;
    agg_constant: number | null;
    kl: { coef: number; estimator: 'k1' | 'k2' | 'k3'; where: 'reward' | 'loss' };
    dpo_beta: number;
    gae: { gamma: number; lam: number; vf_coef: number; clip_value: number };
  };
  optim: { lr: number; beta1: number; beta2: number; eps: number; weight_decay: number; grad_clip: number; epochs: number; minibatches: number; seed: number };
  data: { uri: string; sha256: string; n_rows: number };
  /** The Feedback-Agent's overrides, applied by the worker over lora/optim and recorded in its result. */
  hyperparams?: Record<string, number>;
}

/** A policy-gradient / cross-entropy row: one packed sequence. */
export interface SequenceRow {
  group: string;
  traj: string;
  tokens: number[];
  mask: number[];
  sampler_logprobs: number[];
  advantages?: number[];
  /** PPO+GAE rows carry token rewards instead of advantages. */
  rewards?: number[];
  ref_logprobs: number[] | null;
  reward: number;
  /** Extra context a tokenizer-free trainer needs (the tiny policy: prompt and candidates). */
  context?: Record<string, unknown>;
}

export interface PreferenceRow {
  group: string;
  chosen: { tokens: number[]; mask: number[]; context?: Record<string, unknown> };
  rejected: { tokens: number[]; mask: number[]; context?: Record<string, unknown> };
  ref_lp_chosen: number | null;
  ref_lp_rejected: number | null;
}

export type TrainRow = SequenceRow | PreferenceRow;

export interface AdapterManifest {
  adapter_id: string;
  job_id: string | null;
  parent_adapter: string | null;
  base_model: string;
  base_revision: string | null;
  algorithm: string;
  steps: number;
  /** sha256 of each file in the adapter directory except manifest.json itself. */
  files: Record<string, string>;
}

export type TrainerStatus =
  | { state: 'running'; step: number; totalSteps: number | null; metrics: Record<string, number> }
  | {
      state: 'completed';
      adapterDir: string;
      manifest: AdapterManifest;
      metrics: Record<string, number>;
      /** sha256 of manifest.json as written, from trainers whose adapterDir is not readable here (Modal's Volume). */
      manifestSha256?: string;
    }
  | { state: 'failed'; error: string };

export interface Trainer {
  readonly id: string;
  /** Starts a job; the handle survives a restart of sia (it is stored in training.submitted). */
  submit(job: TrainJob, rows: TrainRow[]): Promise<{ handle: string }>;
  poll(handle: string): Promise<TrainerStatus>;
}
