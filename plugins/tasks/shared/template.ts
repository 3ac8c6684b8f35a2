/**
 * The files `sia tasks new NAME` writes: a small, working task in plain ESM JavaScript (no imports from sia, so
 * the folder can live anywhere) that passes the task contract. The toy task: add two numbers; the scaffold
 * proposes sums and differences and the policy picks one.
 */
export function taskTemplateFiles(name: string): Record<string, string> {
  return {
    'index.mjs': `// Task "${name}": a factory typed like sia's TaskFactory (core/ports/task.ts). Run: sia run --task ./${name}
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { scoreSum } from './verifier.mjs';

// mulberry32: the same seed always gives the same data and splits.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeExamples(seed, count, prefix) {
  const next = random(seed);
  return Array.from({ length: count }, (_, index) => {
    // From 1 up, so the sum never equals an operand (the label must not show in the view).
    const a = 1 + Math.floor(next() * 99);
    const b = 1 + Math.floor(next() * 99);
    return { id: \`\${prefix}-\${index}\`, input: { a, b }, label: a + b };
  });
}

const read = (file) => readFileSync(new URL(file, import.meta.url), 'utf8');

export function createTask(options = {}) {
  const sizes = { train: options.train ?? 20, dev: options.dev ?? 10, holdout: options.holdout ?? 10 };
  return {
    id: '${name}',
    description: 'Add two whole numbers. Input: {a, b}. Output: their sum as a number.',
    metric: { name: 'accuracy', higherIsBetter: true, description: 'exact sum; every item counts' },
    hardware: 'cpu',
    referenceScaffold: { entry: 'solve.mjs', files: { 'solve.mjs': read('./scaffold/solve.mjs') } },
    splits: (seed) => ({
      train: makeExamples(seed * 3 + 1, sizes.train, 'train'),
      dev: makeExamples(seed * 3 + 2, sizes.dev, 'dev'),
      holdout: makeExamples(seed * 3 + 3, sizes.holdout, 'holdout'),
    }),
    view: (example) => ({ id: example.id, input: { ...example.input } }),
    verifier: { hash: createHash('sha256').update(read('./verifier.mjs')).digest('hex'), score: scoreSum },
    perturbations: [
      { name: 'swap-operands', apply: (example, seed) => ({ ...example, id: \`\${example.id}~swap\${seed}\`, input: { a: example.input.b, b: example.input.a } }) },
    ],
    // Unsolvable: the label is not the sum, so any pass means the verifier is being gamed.
    canaries: (seed) => makeExamples(seed, 3, 'canary').map((example) => ({ ...example, label: example.label + 1000 })),
    knobs: { candidates: ['sum-and-difference', 'sum-only'] },
  };
}

export default createTask;
`,
    'verifier.mjs': `// Pure scoring, outside the sandbox. Its source is hashed into every reward.
export function scoreSum(example, output) {
  const value = typeof output === 'number' ? output : Number.parseFloat(String(output ?? ''));
  const correct = Number.isFinite(value) && value === example.label ? 1 : 0;
  return { reward: correct, metric: correct };
}
`,
    'scaffold/solve.mjs': `// The starting scaffold: runs in the sandbox, sees {id, input} only, reaches the model through ctx.llm.chat.
// sia:config-begin
const CONFIG = { "candidates": "sum-and-difference" };
// sia:config-end

export async function solve(example, ctx) {
  const { a, b } = example.input;
  const options = CONFIG.candidates === 'sum-only' ? [a + b] : [a + b, a - b, b - a];
  const choices = [...new Set(options.map(String))];
  const reply = await ctx.llm.chat({ messages: [{ role: 'user', content: \`What is \${a} + \${b}?\` }], guidedChoice: choices });
  const answer = Number.parseFloat(reply.content);
  return Number.isFinite(answer) ? answer : null;
}
`,
  };
}
