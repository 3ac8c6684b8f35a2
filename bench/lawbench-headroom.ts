/**
 * How much can the tiny policy add to LawBench's own ranking? The question behind issue 15's done-when (W+H above the
 * best no-model baseline), measured outside the loop so the answer does not depend on the Feedback-Agent's choices.
 * Per seed, with the reference scaffold's ranker (overlap × weighting, the config best on dev, as bench/levers.ts picks
 * its no-model baseline):
 *   baseline  the ranker's first charge (no policy);
 *   recall@K  the share of holdout cases whose gold charge is among the K shortlisted (the ceiling of any chooser;
 *             K = 0 offers every train charge, in class-list order, as the reference scaffold does);
 *   policy    the tiny policy (base weights, a fresh r=32 adapter with its case memory, the session's lr) trained by
 *             cross-entropy on the gold charge of every train case whose gold is shortlisted: every success a
 *             reward-driven update could ever see, without sampling noise (all of them remembered); epochs 1–16,
 *             the count best on dev;
 *   memory    the shortlist's order plus μ·(tf-idf similarity of the case to the closest train case of that charge),
 *             μ chosen on dev, no policy: a nearest-neighbour memory alone (with K = 0 the order is the class list's).
 *   node bin/run-ts.js bench/lawbench-headroom.ts [--seeds 0,1,2,3,4] [--k 3,5,20,0]
 */
import type { Task, TaskExample } from '../core/ports/task.ts';
import { completeLossSpec } from '../core/rl/loss-spec.ts';
import { createAdamState } from '../core/tiny/adam.ts';
import { createAdapter } from '../core/tiny/adapter.ts';
import { chatPromptText } from '../core/tiny/choice-context.ts';
import { prepareMemory } from '../core/tiny/memory-training.ts';
import { argmax, createBaseWeights, DEFAULT_TINY_CONFIG, encodeServedChoice, forward } from '../core/tiny/model.ts';
import { prepareRows, trainStep } from '../core/tiny/training.ts';
import { DEFAULT_OPTIONS } from '../loop/session.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { importScaffold } from './support/scaffold-variants.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args[args.indexOf(`--${name}`) + 1];
const seeds = (args.includes('--seeds') ? flag('seeds') : '0,1,2,3,4').split(',').map(Number);
const widths = (args.includes('--k') ? flag('k') : '3,5,20,0').split(',').map(Number);
const EPOCHS = [1, 2, 4, 8, 16];
const MIXES = [0, 0.5, 1, 2, 4, 8, 16];

interface Case {
  example: TaskExample;
  facts: string;
  candidates: string[];
  /** Index of the first candidate the verifier accepts, -1 when none is shortlisted. */
  gold: number;
}

const factsOf = (example: TaskExample) => String((example.input as { facts: unknown }).facts);

async function shortlisted(task: Task, seed: number, overrides: Record<string, unknown>, examples: TaskExample[]): Promise<Case[]> {
  const scaffold = await importScaffold(task.referenceScaffoldFor?.(seed) ?? task.referenceScaffold, overrides);
  const shortlist = scaffold.shortlist as (facts: string) => string[];
  const cases: Case[] = [];
  for (const example of examples) {
    const candidates = shortlist(factsOf(example));
    let gold = -1;
    for (let i = 0; i < candidates.length && gold < 0; i++) if ((await task.verifier.score(example, candidates[i])).metric === 1) gold = i;
    cases.push({ example, facts: factsOf(example), candidates, gold });
  }
  return cases;
}

/** The scaffold's plain prompt, as the policy sees it. */
const promptOf = (facts: string) => chatPromptText([{ role: 'user', content: `事实:${facts.slice(0, 600)}\n罪名:` }]);

function policyCeiling(train: Case[], dev: Case[], holdout: Case[]): { epochs: number; dev: number; holdout: number } {
  const config = DEFAULT_TINY_CONFIG;
  const base = createBaseWeights(config);
  const { lr, rank } = DEFAULT_OPTIONS.training;
  const adapter = createAdapter(config, { rank, alpha: rank, targets: ['bilinear', 'pairwise'], seed: 1 });
  const adam = createAdamState(adapter);
  const rows = train
    .filter((c) => c.gold >= 0)
    .map((c, i) => ({
      group: `g${i}`,
      traj: `t${i}`,
      tokens: [c.gold],
      mask: [1],
      sampler_logprobs: [0],
      ref_logprobs: null,
      reward: 1,
      context: { prompt: promptOf(c.facts), candidates: c.candidates },
    }));
  const batch = prepareRows(config, rows, 'cross_entropy');
  prepareMemory(base, adapter, batch);
  const spec = completeLossSpec({ kind: 'cross_entropy' });
  const settings = { lr, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, grad_clip: 1 };
  // Dev and holdout cases see the memory as the policy serves it (no leave-one-out: they were never trained on).
  const encode = (cases: Case[]) => cases.map((c) => ({ c, input: encodeServedChoice(config, adapter, promptOf(c.facts), c.candidates) }));
  const [devInputs, holdoutInputs] = [encode(dev), encode(holdout)];
  const greedy = (inputs: ReturnType<typeof encode>) =>
    inputs.filter(({ c, input }) => c.gold >= 0 && argmax(forward(base, adapter, input).scores) === c.gold).length / inputs.length;
  let best = { epochs: 0, dev: -1, holdout: 0 };
  for (let epoch = 1; epoch <= EPOCHS[EPOCHS.length - 1]; epoch++) {
    trainStep(base, adapter, adam, spec, settings, batch);
    if (!EPOCHS.includes(epoch)) continue;
    const devScore = greedy(devInputs);
    if (devScore > best.dev) best = { epochs: epoch, dev: devScore, holdout: greedy(holdoutInputs) };
  }
  return best;
}

/** Character bigrams of a text with sublinear counts. */
function bigramCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + 2 <= text.length; i++) counts.set(text.slice(i, i + 2), (counts.get(text.slice(i, i + 2)) ?? 0) + 1);
  return counts;
}

function memoryMix(train: Case[], dev: Case[], holdout: Case[], labels: (c: Case) => string[]): { mix: number; dev: number; holdout: number } {
  const documentFrequency = new Map<string, number>();
  const trainCounts = train.map((c) => bigramCounts(c.facts));
  for (const counts of trainCounts) for (const gram of counts.keys()) documentFrequency.set(gram, (documentFrequency.get(gram) ?? 0) + 1);
  const vector = (counts: Map<string, number>) => {
    const out = new Map<string, number>();
    let norm = 0;
    for (const [gram, count] of counts) {
      const weight = (1 + Math.log(count)) * Math.log(1 + train.length / (documentFrequency.get(gram) ?? 0.5));
      out.set(gram, weight);
      norm += weight * weight;
    }
    for (const [gram, weight] of out) out.set(gram, weight / (Math.sqrt(norm) || 1));
    return out;
  };
  const trainVectors = trainCounts.map(vector);
  // Per case: each candidate's similarity to the closest train case labelled with it.
  const similarities = (c: Case) => {
    const query = vector(bigramCounts(c.facts));
    const closest = new Map<string, number>();
    train.forEach((t, i) => {
      let dot = 0;
      for (const [gram, weight] of query) dot += weight * (trainVectors[i].get(gram) ?? 0);
      for (const label of labels(t)) closest.set(label, Math.max(closest.get(label) ?? 0, dot));
    });
    return c.candidates.map((candidate) => closest.get(candidate) ?? 0);
  };
  const [devSims, holdoutSims] = [dev.map(similarities), holdout.map(similarities)];
  const score = (cases: Case[], sims: number[][], mix: number) =>
    cases.filter((c, i) => {
      const scores = c.candidates.map((_, rank) => (c.candidates.length - rank) / c.candidates.length + mix * sims[i][rank]);
      return c.gold >= 0 && argmax(Float64Array.from(scores)) === c.gold;
    }).length / cases.length;
  let best = { mix: 0, dev: -1, holdout: 0 };
  for (const mix of MIXES) {
    const devScore = score(dev, devSims, mix);
    if (devScore > best.dev) best = { mix, dev: devScore, holdout: score(holdout, holdoutSims, mix) };
  }
  return best;
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const sd = (values: number[]) => Math.sqrt(values.reduce((sum, v) => sum + (v - mean(values)) ** 2, 0) / Math.max(1, values.length - 1));
const fmt = (values: number[]) => `${mean(values).toFixed(3)} ± ${sd(values).toFixed(3)}`;
const signed = (values: number[]) => `${mean(values) >= 0 ? '+' : ''}${fmt(values)}`;

const task = await loadTask('lawbench');
const knobs = task.knobs ?? {};
const rankers = (knobs.overlap ?? []).flatMap((overlap) => (knobs.weighting ?? []).map((weighting) => ({ overlap, weighting })));
const goldCharges = (c: Case) => c.example.label as string[];
const started = performance.now();
console.log(`LawBench, seeds ${seeds.join(', ')}: holdout top-1 accuracy; the ranker config, epochs and μ are chosen on dev.`);
for (const width of widths) {
  const columns: Record<'baseline' | 'recall' | 'policy' | 'memory', number[]> = { baseline: [], recall: [], policy: [], memory: [] };
  for (const seed of seeds) {
    const splits = task.splits(seed);
    let chosen: { ranker: (typeof rankers)[number]; dev: number } | null = null;
    for (const ranker of rankers) {
      const dev = (await shortlisted(task, seed, { shortlist: 1, ...ranker }, splits.dev)).filter((c) => c.gold === 0).length / splits.dev.length;
      if (!chosen || dev > chosen.dev) chosen = { ranker, dev };
    }
    const overrides = { shortlist: width, ...chosen!.ranker };
    const [train, dev, holdout] = await Promise.all([splits.train, splits.dev, splits.holdout].map((examples) => shortlisted(task, seed, overrides, examples)));
    // The ranker's first charge, whatever the width (a width of 0 offers every charge in class-list order).
    const firsts = await shortlisted(task, seed, { shortlist: 1, ...chosen!.ranker }, splits.holdout);
    const baseline = firsts.filter((c) => c.gold === 0).length / firsts.length;
    const recall = holdout.filter((c) => c.gold >= 0).length / holdout.length;
    const policy = policyCeiling(train, dev, holdout);
    const memory = memoryMix(train, dev, holdout, goldCharges);
    Object.entries({ baseline, recall, policy: policy.holdout, memory: memory.holdout }).forEach(([key, value]) =>
      columns[key as keyof typeof columns].push(value),
    );
    console.log(
      `- K=${width} seed ${seed} [${chosen!.ranker.overlap}/${chosen!.ranker.weighting}]: baseline ${baseline.toFixed(3)}, recall@${width} ${recall.toFixed(3)}, policy ${policy.holdout.toFixed(3)} (${policy.epochs} epochs), memory ${memory.holdout.toFixed(3)} (μ ${memory.mix})`,
    );
  }
  const minus = (a: number[], b: number[]) => a.map((v, i) => v - b[i]);
  console.log(
    `K=${width}: baseline ${fmt(columns.baseline)}, recall@${width} ${fmt(columns.recall)}, policy ${fmt(columns.policy)} (paired ${signed(minus(columns.policy, columns.baseline))}), memory ${fmt(columns.memory)} (paired ${signed(minus(columns.memory, columns.baseline))})`,
  );
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
