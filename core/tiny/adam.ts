/**
 * AdamW over the adapter's tensors (decoupled weight decay, bias-corrected moments) with global-norm clipping,
 * the update torch.optim.AdamW + clip_grad_norm_ make in the gpu/ worker.
 */
import { adapterTensors, type TinyAdapter } from './adapter.ts';
import { globalNorm } from './gradients.ts';

export interface AdamSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** 0 disables clipping. */
  grad_clip: number;
}

export interface AdamState {
  step: number;
  first: Float64Array[];
  second: Float64Array[];
}

export function createAdamState(adapter: TinyAdapter): AdamState {
  const tensors = adapterTensors(adapter);
  return { step: 0, first: tensors.map((t) => new Float64Array(t.data.length)), second: tensors.map((t) => new Float64Array(t.data.length)) };
}

/** Applies one update in place; returns the gradient norm before clipping. */
export function adamStep(adapter: TinyAdapter, gradients: TinyAdapter, state: AdamState, settings: AdamSettings): number {
  const norm = globalNorm(gradients);
  const clip = settings.grad_clip > 0 && norm > settings.grad_clip ? settings.grad_clip / norm : 1;
  state.step += 1;
  const correction1 = 1 - settings.beta1 ** state.step;
  const correction2 = 1 - settings.beta2 ** state.step;
  const params = adapterTensors(adapter);
  const grads = adapterTensors(gradients);
  params.forEach((param, t) => {
    const first = state.first[t];
    const second = state.second[t];
    const grad = grads[t].data;
    const data = param.data;
    for (let i = 0; i < data.length; i++) {
      const g = grad[i] * clip;
      first[i] = settings.beta1 * first[i] + (1 - settings.beta1) * g;
      second[i] = settings.beta2 * second[i] + (1 - settings.beta2) * g * g;
      data[i] -= settings.lr * settings.weight_decay * data[i];
      data[i] -= (settings.lr * (first[i] / correction1)) / (Math.sqrt(second[i] / correction2) + settings.eps);
    }
  });
  return norm;
}
