/**
 * Backpropagation through the tiny policy. The losses (core/rl/loss.ts) give dL/dlogprob and dL/dvalue per row;
 * here they flow into the adapter:
 *   dlogπ(k)/dscore_j = (1[j=k] − π_j)/T
 *   dscore_j/dB = s·φ ⊗ (A x_j),   dscore_j/dA = s·(Bᵀφ) ⊗ x_j,   dscore_j/dg = sim_j,   dV/dh = φ, dV/db = 1
 * Sums over candidates are taken first (v = Σ_j g_j x_j), so one row costs O(nnz(φ)·r + r·in) plus a pass over the
 * candidates' sparse features.
 */
import { adapterTensors, loraScale, type TinyAdapter } from './adapter.ts';
import { type ChoiceInput, type ForwardPass, moduleInput } from './model.ts';

/**
 * Adds weightLogprob·∇logπ(chosen) + weightValue·∇V to `gradients` (an adapter-shaped accumulator).
 * `adapter` must be the one the forward pass ran with.
 */
export function accumulateGradients(
  adapter: TinyAdapter,
  gradients: TinyAdapter,
  input: ChoiceInput,
  pass: ForwardPass,
  chosen: number,
  weightLogprob: number,
  weightValue = 0,
): void {
  const phi = input.prompt.features;
  if (weightLogprob !== 0) {
    const scoreWeights = pass.logprobs.map((logprob, j) => (weightLogprob * ((j === chosen ? 1 : 0) - Math.exp(logprob))) / pass.temperature);
    adapter.modules.forEach((module, m) => {
      const gradient = gradients.modules[m];
      const scale = loraScale(adapter, module);
      // v = Σ_j g_j x_j, then dA = s·(Bᵀφ) ⊗ v and dB = s·φ ⊗ (A v).
      const inputSum = new Float64Array(module.inDim);
      input.candidates.forEach((candidate, j) => {
        const weight = scoreWeights[j];
        const x = moduleInput(module, candidate);
        for (let n = 0; n < x.indices.length; n++) inputSum[x.indices[n]] += weight * x.values[n];
      });
      const projectedSum = new Float64Array(module.rank);
      const promptProjection = pass.promptProjections[m];
      for (let k = 0; k < module.rank; k++) {
        const row = k * module.inDim;
        const factor = scale * promptProjection[k];
        let dot = 0;
        for (let i = 0; i < module.inDim; i++) {
          dot += module.A[row + i] * inputSum[i];
          gradient.A[row + i] += factor * inputSum[i];
        }
        projectedSum[k] = dot;
      }
      for (let n = 0; n < phi.indices.length; n++) {
        const row = phi.indices[n] * module.rank;
        const factor = scale * phi.values[n];
        for (let k = 0; k < module.rank; k++) gradient.B[row + k] += factor * projectedSum[k];
      }
    });
    const sims = input.memorySims;
    if (gradients.memory && sims) gradients.memory.gate[0] += scoreWeights.reduce((sum, weight, j) => sum + weight * sims[j], 0);
  }
  if (weightValue !== 0) {
    for (let n = 0; n < phi.indices.length; n++) gradients.valueWeight[phi.indices[n]] += weightValue * phi.values[n];
    gradients.valueBias[0] += weightValue;
  }
}

export function globalNorm(gradients: TinyAdapter): number {
  let sum = 0;
  for (const tensor of adapterTensors(gradients)) for (const value of tensor.data) sum += value * value;
  return Math.sqrt(sum);
}
