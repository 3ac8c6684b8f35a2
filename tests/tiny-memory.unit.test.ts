import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import type { SequenceRow } from '../core/ports/trainer.ts';
import { adapterFromTensors, adapterTensors, createAdapter, MEMORY_GATE } from '../core/tiny/adapter.ts';
import { addToMemory, emptyMemory, memorySimilarities } from '../core/tiny/memory.ts';
import { attachMemory, fitMemoryGate, rememberRows } from '../core/tiny/memory-training.ts';
import { createBaseWeights, type TinyModelConfig } from '../core/tiny/model.ts';
import { prepareRows } from '../core/tiny/training.ts';
import { decodeMemory, encodeMemory } from '../plugins/trainers/memory-file.ts';

const config: TinyModelConfig = { seed: 0, promptDims: 64, candidateDims: 64 };
const CHARGES = ['盗窃', '诈骗', '故意伤害', '危险驾驶'];
// Each charge's cases share rare words; all share the court's boilerplate, which idf must discount.
const BOILERPLATE = '经审理查明，被告人于二〇一六年在本市';
const STORIES: Record<string, string[]> = {
  盗窃: ['趁无人之机撬开店门窃取现金', '撬开店门窃取手机一部', '撬锁窃取电动车一辆'],
  诈骗: ['冒充客服骗取被害人转账', '以投资为名骗取钱款转账', '冒充领导骗取财务转账'],
  故意伤害: ['持刀将被害人刺伤致轻伤', '持木棍殴打被害人致轻伤', '拳击被害人面部致轻伤'],
  危险驾驶: ['醉酒驾驶机动车血液酒精含量超标', '醉酒驾驶小型轿车被查获', '饮酒后驾驶机动车酒精含量超标'],
};
const promptOf = (story: string) => `user: 事实:${BOILERPLATE}${story}\n罪名:`;
const cases = Object.entries(STORIES).flatMap(([charge, stories]) => stories.map((story) => ({ prompt: promptOf(story), charge })));

function row(prompt: string, chosen: string, reward: number, group: string): SequenceRow {
  return {
    group,
    traj: `${group}-${chosen}`,
    tokens: [CHARGES.indexOf(chosen)],
    mask: [1],
    sampler_logprobs: [-1],
    ref_logprobs: null,
    reward,
    context: { prompt, candidates: CHARGES },
  };
}

const remembered = (entries = cases) =>
  addToMemory(
    emptyMemory(),
    entries.map((c) => c.prompt),
    entries.map((c) => ({ prompt: c.prompt, answer: c.charge })),
  );

describe('case memory', () => {
  it('scores each candidate by its closest remembered case, and 0 for an answer nobody gave', () => {
    const memory = remembered(cases.filter((c) => c.charge !== '危险驾驶'));
    const sims = memorySimilarities(memory, promptOf('撬开仓库门窃取电缆'), CHARGES);
    expect(sims[0]).toBeGreaterThan(Math.max(sims[1], sims[2]) + 0.1);
    expect(sims[3]).toBe(0);
  });

  it('leaves a prompt’s own entries out when asked, so training rows are scored like unseen prompts', () => {
    const memory = remembered();
    const own = cases[0];
    expect(memorySimilarities(memory, own.prompt, CHARGES)[0]).toBeCloseTo(1, 6);
    const leftOut = memorySimilarities(memory, own.prompt, CHARGES, true);
    expect(leftOut[0]).toBeLessThan(0.9);
    expect(leftOut[0]).toBeGreaterThan(leftOut[1]);
  });

  it('discounts what every prompt shares: boilerplate alone matches weakly', () => {
    const memory = remembered();
    const sims = memorySimilarities(memory, promptOf('无'), CHARGES);
    for (const sim of sims) expect(sim).toBeLessThan(0.5);
  });

  it('counts a prompt once for idf and keeps one entry per prompt and answer when merged again', () => {
    const once = remembered();
    const twice = addToMemory(
      once,
      cases.map((c) => c.prompt),
      [{ prompt: cases[0].prompt, answer: '盗窃' }],
    );
    expect(twice.documents).toEqual(once.documents);
    expect(Array.from(twice.df)).toEqual(Array.from(once.df));
    expect(twice.entries).toHaveLength(cases.length);
  });

  it('round-trips through case_memory.json and names a broken file', () => {
    const memory = remembered();
    expect(decodeMemory(encodeMemory(memory), 'case_memory.json')).toEqual(memory);
    const broken = JSON.parse(encodeMemory(memory));
    broken.df[0] = [99999, 1];
    expect(() => decodeMemory(JSON.stringify(broken), 'dir/case_memory.json')).toThrow(ValidationError);
    expect(() => decodeMemory(JSON.stringify(broken), 'dir/case_memory.json')).toThrow(/dir\/case_memory.json.*slot below 4096/);
  });
});

describe('case memory in adapters', () => {
  it('refuses a gate without a memory, and a memory without its gate, naming the gate tensor', () => {
    const adapter = createAdapter(config, { rank: 4, alpha: 4, targets: ['pairwise'], seed: 1 });
    const tensors = new Map(adapterTensors(adapter).map((tensor) => [tensor.name, tensor]));
    expect(() => adapterFromTensors(config, 4, tensors, null)).toThrow(/case_memory.gate.*no case memory/);
    tensors.delete(MEMORY_GATE);
    expect(() => adapterFromTensors(config, 4, tensors, remembered())).toThrow(/case_memory.gate.*both or neither/);
    expect(adapterFromTensors(config, 4, tensors, null).memory).toBeNull();
  });
});

describe('case memory in training', () => {
  const rowsFor = (answerOf: (charge: string) => string) =>
    cases.flatMap((c, i) => [row(c.prompt, answerOf(c.charge), 1, `g${i}`), row(c.prompt, CHARGES[(CHARGES.indexOf(c.charge) + 1) % 4], 0, `g${i}`)]);

  it('remembers each group’s best-rewarded answers only and counts every prompt', () => {
    const prepared = prepareRows(
      config,
      rowsFor((charge) => charge),
      'cross_entropy',
    );
    const memory = rememberRows(emptyMemory(), prepared);
    expect(memory.documents).toHaveLength(cases.length);
    expect(memory.entries.map((entry) => entry.answer)).toEqual(cases.map((c) => c.charge));
  });

  it('fits a positive gate when the memory predicts the rewarded answers, and 0 when it misleads', () => {
    const base = createBaseWeights(config);
    const gateFor = (answerOf: (charge: string) => string) => {
      const adapter = createAdapter(config, { rank: 4, alpha: 4, targets: ['pairwise'], seed: 1 });
      const prepared = prepareRows(config, rowsFor(answerOf), 'cross_entropy');
      adapter.memory!.store = rememberRows(adapter.memory!.store, prepared);
      attachMemory(prepared, adapter.memory!.store);
      return fitMemoryGate(base, adapter, prepared);
    };
    expect(gateFor((charge) => charge)).toBeGreaterThanOrEqual(4);
    // Every case rewarded for a different charge than its neighbours': the closest case points the wrong way.
    let flip = 0;
    expect(gateFor(() => CHARGES[flip++ % 4])).toBe(0);
  });
});
