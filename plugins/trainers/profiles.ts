/**
 * Training hyperparameters by trainer and base model (reference: training-anchors.md §3, §4): what the job's lora
 * and optim say. The tiny in-process trainer keeps the session's `options.training` (its model learns at lr 0.05
 * in a few epochs); a real model gets LoRA and AdamW settings made for it, never the tiny model's (the worker's
 * gpu/sia_worker/profiles.py refuses an lr far above its profile's).
 */
import type { TrainJob } from '../../core/ports/trainer.ts';

export interface TrainingProfile {
  name: 'tiny' | 'gpt-oss' | 'hf-lora';
  lora: TrainJob['lora'];
  optim: Omit<TrainJob['optim'], 'seed'>;
}

const ADAM = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip: 1, minibatches: 1 };

/** The profile for a job; `training` is the session's options.training, used as given by the tiny trainer only. */
export function trainingProfile(trainer: string, baseModel: string, training: { lr: number; epochs: number; rank: number }): TrainingProfile {
  if (trainer === 'tiny') {
    return {
      name: 'tiny',
      lora: { rank: training.rank, alpha: training.rank, dropout: 0, target_modules: 'all-linear', target_parameters: [] },
      optim: { ...ADAM, lr: training.lr, epochs: training.epochs },
    };
  }
  if (/gpt-oss/i.test(baseModel)) {
    // TTT-Discover's gpt-oss-120b RL settings at LoRA rank 32 on the attention projections (served by any vLLM
    // with --enable-lora; expert LoRA needs vLLM ≥ 0.11.2 and is opt-in).
    return {
      name: 'gpt-oss',
      lora: { rank: 32, alpha: 32, dropout: 0, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'], target_parameters: [] },
      optim: { ...ADAM, lr: 4e-5, epochs: 1 },
    };
  }
  // Any other Hugging Face causal LM: LoRA Without Regret's all-linear rank-16 recipe at a LoRA-sized lr.
  return {
    name: 'hf-lora',
    lora: { rank: 16, alpha: 32, dropout: 0, target_modules: 'all-linear', target_parameters: [] },
    optim: { ...ADAM, lr: 1e-4, epochs: 1 },
  };
}
