import { describe, expect, it } from 'vitest';
import { adapterTensors, createAdapter, type TinyAdapter, zerosLike } from '../core/tiny/adapter.ts';
import { encodeCandidates, encodePrompt, PAIR_FEATURES } from '../core/tiny/features.ts';
import { accumulateGradients } from '../core/tiny/gradients.ts';
import { createBaseWeights, encodeChoice, forward, sampleIndex, type TinyModelConfig } from '../core/tiny/model.ts';
import { seededRandom } from '../core/tiny/random.ts';

const config: TinyModelConfig = { seed: 3, promptDims: 64, candidateDims: 48 };
const base = createBaseWeights(config);
const prompt = 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did she sell altogether?';
const candidates = ['72 = 48+24', '24', '96 = 48*2', 'clips'];

/** An adapter with every tensor random, so that no gradient term vanishes by construction. */
function randomAdapter(seed: number): TinyAdapter {
  const adapter = createAdapter(config, { rank: 6, alpha: 12, targets: ['bilinear', 'pairwise'], seed });
  const random = seededRandom(seed + 1);
  for (const tensor of adapterTensors(adapter)) for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = random.normal() * 0.5;
  return adapter;
}

describe('tiny policy features', () => {
  it('gives the pairwise features that let a scaffold-computed answer be recognised', () => {
    const view = encodePrompt(prompt, config.promptDims);
    const [annotated, half, doubled, word] = encodeCandidates(view, candidates, config.candidateDims);
    const feature = (name: (typeof PAIR_FEATURES)[number]) => PAIR_FEATURES.indexOf(name);
    expect(annotated.pair[feature('number_recall')]).toBeCloseTo(1 / 3); // 48 of 72, 48, 24
    expect(annotated.pair[feature('has_equation')]).toBe(1);
    expect(annotated.pair[feature('exceeds_prompt_numbers')]).toBe(1);
    expect(half.pair[feature('leading_number_in_prompt')]).toBe(0);
    expect(doubled.pair[feature('is_first')]).toBe(0);
    expect(word.pair[feature('exact_substring')]).toBe(1);
    expect(word.pair[feature('has_number')]).toBe(0);
  });

  it('hashes deterministically, with the bias at index 0 and a unit-norm rest', () => {
    const first = encodePrompt(prompt, 64).features;
    expect(Array.from(encodePrompt(prompt, 64).features.values)).toEqual(Array.from(first.values));
    expect(first.indices[0]).toBe(0);
    expect(first.values[0]).toBe(1);
    const rest = Array.from(first.values.slice(1));
    expect(Math.hypot(...rest)).toBeCloseTo(1, 10);
    expect(Array.from(first.indices.slice(1)).every((index) => index >= 1 && index < 64)).toBe(true);
  });

  it('gives Chinese text character-bigram overlap with a charge name', () => {
    const view = encodePrompt('被告人张某在超市盗窃财物，价值人民币三千元。', 64);
    const [theft, fraud] = encodeCandidates(view, ['盗窃', '诈骗'], 48);
    expect(theft.pair[PAIR_FEATURES.indexOf('bigram_recall')]).toBe(1);
    expect(fraud.pair[PAIR_FEATURES.indexOf('token_recall')]).toBe(0);
  });
});

describe('tiny policy forward pass', () => {
  const input = encodeChoice(config, prompt, candidates);

  it('normalises probabilities and leaves the base model unchanged under a fresh adapter', () => {
    const plain = forward(base, null, input);
    expect(Array.from(plain.logprobs).reduce((sum, lp) => sum + Math.exp(lp), 0)).toBeCloseTo(1, 12);
    const fresh = createAdapter(config, { rank: 32, alpha: 32, targets: ['bilinear', 'pairwise'], seed: 1 });
    expect(fresh.modules.map((m) => m.rank)).toEqual([32, 16]);
    expect(Array.from(forward(base, fresh, input).scores)).toEqual(Array.from(plain.scores));
    expect(Array.from(forward(base, randomAdapter(5), input).scores)).not.toEqual(Array.from(plain.scores));
  });

  it('derives base weights from the seed alone', () => {
    expect(Array.from(createBaseWeights(config).bilinear.slice(0, 20))).toEqual(Array.from(base.bilinear.slice(0, 20)));
    expect(Array.from(createBaseWeights({ ...config, seed: 4 }).bilinear.slice(0, 20))).not.toEqual(Array.from(base.bilinear.slice(0, 20)));
  });

  it('samples reproducibly from a seed, with frequencies that follow the probabilities', () => {
    const pass = forward(base, randomAdapter(9), input, 0.8);
    const draw = (seed: number) =>
      Array.from(
        { length: 20 },
        (
          (random) => () =>
            sampleIndex(pass.logprobs, random)
        )(seededRandom(seed)),
      );
    expect(draw(11)).toEqual(draw(11));
    const random = seededRandom(12);
    const counts = new Array(candidates.length).fill(0);
    for (let n = 0; n < 20_000; n++) counts[sampleIndex(pass.logprobs, random)]++;
    counts.forEach((count, j) => expect(count / 20_000).toBeCloseTo(Math.exp(pass.logprobs[j]), 1));
  });
});

describe('tiny policy gradients', () => {
  // Memory similarities make the gate's gradient non-zero, so every tensor is checked.
  const input = { ...encodeChoice(config, prompt, candidates), memorySims: Float64Array.from(candidates, (_, j) => 0.2 * j) };

  for (const [chosen, temperature] of [
    [0, 1],
    [2, 0.7],
  ] as const) {
    it(`match finite differences for log π(candidate ${chosen}) and V at temperature ${temperature}`, () => {
      const adapter = randomAdapter(21 + chosen);
      const gradients = zerosLike(adapter);
      const weightLogprob = 0.7;
      const weightValue = -1.3;
      accumulateGradients(adapter, gradients, input, forward(base, adapter, input, temperature), chosen, weightLogprob, weightValue);
      const objective = () => {
        const pass = forward(base, adapter, input, temperature);
        return weightLogprob * pass.logprobs[chosen] + weightValue * pass.value;
      };
      const random = seededRandom(99);
      const step = 1e-5;
      const analyticTensors = adapterTensors(gradients);
      let checked = 0;
      adapterTensors(adapter).forEach((tensor, t) => {
        // Every tensor, a few entries each, the largest analytic entry among them so a zero gradient cannot pass.
        const largest = analyticTensors[t].data.reduce((best, value, i, all) => (Math.abs(value) > Math.abs(all[best]) ? i : best), 0);
        const indices = [largest, ...Array.from({ length: 6 }, () => Math.floor(random.next() * tensor.data.length))];
        for (const i of indices) {
          const saved = tensor.data[i];
          tensor.data[i] = saved + step;
          const up = objective();
          tensor.data[i] = saved - step;
          const down = objective();
          tensor.data[i] = saved;
          const numeric = (up - down) / (2 * step);
          expect(analyticTensors[t].data[i]).toBeCloseTo(numeric, 6);
          checked++;
        }
        expect(Math.abs(analyticTensors[t].data[largest])).toBeGreaterThan(1e-4);
      });
      expect(checked).toBe(7 * 7);
    });
  }
});
