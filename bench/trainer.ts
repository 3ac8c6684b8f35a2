/**
 * Tiny policy speed: forward-pass latency (budget: well under 1 ms), training throughput (rows/s) and the wall time
 * of one optimizer update, plus held-out accuracy before/after so a fast-but-broken trainer cannot look good.
 * Run: node bin/run-ts.js bench/trainer.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdamState } from '../core/tiny/adam.ts';
import { adapterTensors, createAdapter } from '../core/tiny/adapter.ts';
import type { CandidateCache } from '../core/tiny/features.ts';
import { adapterParameterCount, argmax, createBaseWeights, DEFAULT_TINY_CONFIG, encodeChoice, forward } from '../core/tiny/model.ts';
import { seededRandom } from '../core/tiny/random.ts';
import { prepareRows, trainStep } from '../core/tiny/training.ts';
import { readTinyAdapter } from '../plugins/trainers/adapter-files.ts';
import { createTinyTrainer } from '../plugins/trainers/tiny.ts';
import { type ChoiceItem, crossEntropyRows, makeChoiceItems, makeJob } from '../tests/support/tiny-data.ts';

const config = DEFAULT_TINY_CONFIG;
const base = createBaseWeights(config);
const adapter = createAdapter(config, { rank: 32, alpha: 32, targets: ['bilinear', 'pairwise'], seed: 1 });
const random = seededRandom(7);
for (const tensor of adapterTensors(adapter)) for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = random.normal() * 0.1;

console.log(
  `tiny policy: φ ${config.promptDims} × ψ ${config.candidateDims} dims, LoRA rank 32 (pairwise capped at 16), ${adapterParameterCount(adapter)} trainable parameters`,
);

function timePerCall(label: string, calls: number, action: () => void): number {
  for (let i = 0; i < Math.min(50, calls); i++) action();
  const started = performance.now();
  for (let i = 0; i < calls; i++) action();
  const ms = (performance.now() - started) / calls;
  console.log(`${label}: ${(ms * 1000).toFixed(1)} µs`);
  return ms;
}

// A LawBench-sized case: ~400 Han characters of facts against 191 charge names.
const han = (length: number) => Array.from({ length }, () => String.fromCharCode(0x4e00 + Math.floor(random.next() * 2000))).join('');
const lawInput = encodeChoice(
  config,
  han(400),
  Array.from({ length: 191 }, () => `${han(3)}罪`),
);
const mathInput = encodeChoice(
  config,
  'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?',
  ['72 = 48+24', '24', '96 = 48*2', '48'],
);
const mathForward = timePerCall('forward, maths question × 4 candidates (features and φᵀW₀ cached, as in training)', 5000, () =>
  forward(base, adapter, mathInput),
);
const lawForward = timePerCall('forward, 400-char case × 191 charges (features and φᵀW₀ cached)', 500, () => forward(base, adapter, lawInput));
const lawFacts = han(400);
const charges = Array.from({ length: 191 }, () => `${han(3)}罪`);
const mathCold = timePerCall('cold request (encode + forward), maths question × 4 candidates', 2000, () =>
  forward(
    base,
    adapter,
    encodeChoice(config, 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.', [
      '72 = 48+24',
      '24',
      '96 = 48*2',
      '48',
    ]),
  ),
);
const lawCold = timePerCall('cold request (encode + forward), 400-char case × 191 charges', 200, () =>
  forward(base, adapter, encodeChoice(config, lawFacts, charges)),
);
const chargeCache: CandidateCache = new Map();
const lawServed = timePerCall('served request (new facts, charge features cached as the provider does)', 200, () =>
  forward(base, adapter, encodeChoice(config, lawFacts, charges, chargeCache)),
);

const items = makeChoiceItems(512, 3);
const rows = crossEntropyRows(items);
const job = makeJob(rows, '/unused', { optim: { epochs: 1, minibatches: 8 }, lora: { rank: 32, alpha: 32 } });
const prepared = prepareRows(config, rows, job.loss.kind);
const stepAdapter = createAdapter(config, { rank: 32, alpha: 32, targets: ['bilinear', 'pairwise'], seed: 2 });
const adam = createAdamState(stepAdapter);
const updateMs = timePerCall('one update (64 rows, rank 32, loss + backprop + AdamW)', 40, () =>
  trainStep(base, stepAdapter, adam, job.loss, job.optim, prepared.slice(0, 64)),
);

const accuracy = (trained: ReturnType<typeof createAdapter> | null, heldOut: ChoiceItem[]) =>
  heldOut.filter((item) => argmax(forward(base, trained, encodeChoice(config, item.prompt, item.candidates)).scores) === item.answer).length / heldOut.length;

const root = mkdtempSync(join(tmpdir(), 'sia-bench-trainer-'));
try {
  const dir = join(root, 'bench-adapter');
  const fullJob = makeJob(rows, dir, { job_id: 'bench', optim: { epochs: 3, minibatches: 16, lr: 0.02 }, lora: { rank: 32, alpha: 32 } });
  const trainer = createTinyTrainer();
  const started = performance.now();
  const { handle } = await trainer.submit(fullJob, rows);
  let status = await trainer.poll(handle);
  while (status.state === 'running') {
    await new Promise((resolve) => setImmediate(resolve));
    status = await trainer.poll(handle);
  }
  const seconds = (performance.now() - started) / 1000;
  if (status.state !== 'completed') throw new Error(`bench training failed: ${JSON.stringify(status)}`);
  const samples = rows.length * fullJob.optim.epochs;
  const heldOut = makeChoiceItems(300, 4);
  const before = accuracy(null, heldOut);
  const after = accuracy(readTinyAdapter(dir, config).adapter, heldOut);
  console.log(
    `training job (512 rows × 3 epochs, 48 updates, incl. features and adapter files): ${seconds.toFixed(2)} s = ${(samples / seconds).toFixed(0)} samples/s`,
  );
  console.log(`held-out accuracy: base ${(before * 100).toFixed(1)}% → trained ${(after * 100).toFixed(1)}%`);
  console.log(
    `ratios to a 1 ms budget: maths forward ${mathForward.toFixed(3)}, law forward ${lawForward.toFixed(3)}, maths cold ${mathCold.toFixed(3)}, law cold ${lawCold.toFixed(3)}, law served ${lawServed.toFixed(3)}; one 64-row update / 1 s = ${(updateMs / 1000).toFixed(4)}`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
