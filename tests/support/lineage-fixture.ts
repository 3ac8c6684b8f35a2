import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Split } from '../../core/events/index.ts';
import { sha256Hex } from '../../core/hashing.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';
import { mulberry32 } from '../../core/random.ts';
import { hex } from './events.ts';
import { usage, writeRun } from './lineage-runs.ts';
import { scaffoldProposal } from './scaffold-proposal.ts';

/**
 * Writes a whole experiment the way the loop records one (streams `experiment-<id>` and `run-<id>`), through
 * the real store: a seed scaffold, then per iteration a Feedback decision and a harness edit or a weight update
 * with train/dev/holdout runs (steps and rewards included), a gate verdict, the finish and an audit. Scores
 * drift like real ones: train climbs fastest, holdout lags behind dev (mild overfitting).
 */
export interface LineageFixtureOptions {
  experimentId?: string;
  iterations?: number;
  seed?: number;
  /** Steps and rewards per run (0 keeps big databases small). */
  examplesPerRun?: number;
  /** Where adapter folders (with manifest.json) go; adapters point at a missing folder when absent. */
  adapterDir?: string;
  finish?: boolean;
  audit?: boolean;
}

export interface LineageFixture {
  experimentId: string;
  nodeIds: string[];
  rejectedNodeIds: string[];
  weightNodeIds: string[];
  runIds: string[];
  bestNodeId: string;
}

const SPLITS: Split[] = ['train', 'dev', 'holdout'];

export function scaffoldSource(samples: number, temperature: number, hint: string): Record<string, string> {
  return {
    'solve.mjs': [
      '// sia:config-begin',
      `export const config = { samples: ${samples}, temperature: ${temperature} };`,
      '// sia:config-end',
      "import { readFileSync } from 'node:fs';",
      '',
      'export default async function solve(example, model) {',
      "  const system = readFileSync(new URL('./prompt.txt', import.meta.url), 'utf8');",
      '  const answers = [];',
      '  for (let i = 0; i < config.samples; i++) answers.push(await model.choose(system, example.question, example.choices));',
      '  return majority(answers);',
      '}',
      '',
      'const majority = (answers) => answers.sort((a, b) => answers.filter((x) => x === b).length - answers.filter((x) => x === a).length)[0];',
      '',
    ].join('\n'),
    'prompt.txt': `You solve grade-school maths problems.\n${hint}\nAnswer with the final number only.\n`,
  };
}

const HINTS = [
  'Think step by step.',
  'Check the units before answering.',
  'Write the equation first.',
  'Re-read the question once.',
  'Estimate, then compute exactly.',
];

export function writeLineageFixture(store: EventStore, options: LineageFixtureOptions = {}): LineageFixture {
  const experimentId = options.experimentId ?? 'exp-demo';
  const iterations = options.iterations ?? 8;
  const examples = options.examplesPerRun ?? 3;
  const random = mulberry32(options.seed ?? 11);
  const stream = `experiment-${experimentId}`;
  const record = (event: NewEvent) => store.append(stream, [event]);
  const fixture: LineageFixture = { experimentId, nodeIds: [], rejectedNodeIds: [], weightNodeIds: [], runIds: [], bestNodeId: '' };
  const verifierHash = hex(77);

  record({
    id: `${experimentId}-created`,
    type: 'experiment.created',
    data: {
      experimentId,
      task: { id: 'gsm8k', source: 'packaged', verifierHash },
      mode: 'w+h',
      seed: options.seed ?? 11,
      config: { iterations, agents: 'offline', policy: 'tiny', trainer: 'tiny' },
      splitSizes: { train: 40, dev: 20, holdout: 20 },
      forkOf: null,
    },
  });

  interface Current {
    nodeId: string;
    files: Record<string, string>;
    scaffoldId: string;
    adapterId: string | null;
    quality: number;
    overfit: number;
    samples: number;
  }
  const evaluate = (nodeId: string, node: Pick<Current, 'scaffoldId' | 'adapterId' | 'quality' | 'overfit'>) => {
    const scores: Record<Split, number> = {
      train: clamp(node.quality + node.overfit + (random() - 0.5) * 0.02),
      dev: clamp(node.quality + (random() - 0.5) * 0.03),
      holdout: clamp(node.quality - node.overfit * 0.6 + (random() - 0.5) * 0.03),
    };
    for (const split of SPLITS)
      writeRun(store, {
        experimentId,
        nodeId,
        split,
        scaffoldId: node.scaffoldId,
        adapterId: node.adapterId,
        score: scores[split],
        examples,
        verifierHash,
        runIds: fixture.runIds,
      });
    return scores;
  };
  const propose = (nodeId: string, parent: Current | null, files: Record<string, string>, adapterId: string | null, rationale: string) => {
    const { event, scaffoldId } = scaffoldProposal(store, { experimentId, nodeId, parent, files, adapterId, rationale });
    record(event);
    fixture.nodeIds.push(nodeId);
    return scaffoldId;
  };

  const seedFiles = scaffoldSource(1, 0.7, HINTS[0]);
  let current: Current = { nodeId: `${experimentId}-n0`, files: seedFiles, scaffoldId: '', adapterId: null, quality: 0.42, overfit: 0, samples: 1 };
  current.scaffoldId = propose(current.nodeId, null, seedFiles, null, 'seed scaffold from the task description');
  let currentScores = evaluate(current.nodeId, current);
  record(verdict('scaffold.accepted', experimentId, current.nodeId));
  fixture.bestNodeId = current.nodeId;

  for (let iteration = 0; iteration < iterations; iteration++) {
    const kind = iteration % 3 === 1 ? 'weights' : 'harness';
    const algorithm = kind === 'weights' ? (iteration % 2 ? 'grpo' : 'entropic') : null;
    record(decision(experimentId, iteration, current.nodeId, kind, algorithm, currentScores.train));
    const nodeId = `${experimentId}-n${iteration + 1}`;
    const candidate: Current = { ...current, nodeId, quality: current.quality + (random() - 0.35) * 0.08, overfit: current.overfit + random() * 0.02 };
    if (kind === 'harness') {
      candidate.samples = current.samples + (random() < 0.5 ? 1 : 0);
      candidate.files = scaffoldSource(candidate.samples, Math.round(random() * 10) / 10, HINTS[(iteration + 1) % HINTS.length]);
      candidate.scaffoldId = propose(
        nodeId,
        current,
        candidate.files,
        current.adapterId,
        `${candidate.samples > current.samples ? `raise samples to ${candidate.samples}` : 'retune the temperature'} and rephrase the hint`,
      );
    } else {
      candidate.adapterId = `${experimentId}-adapter-${iteration + 1}`;
      record(checkpoint(experimentId, nodeId, current, candidate.adapterId, algorithm!, options.adapterDir));
      fixture.nodeIds.push(nodeId);
      fixture.weightNodeIds.push(nodeId);
    }
    const scores = evaluate(nodeId, candidate);
    const accepted = scores.dev > currentScores.dev + 0.005;
    const type = kind === 'harness' ? (accepted ? 'scaffold.accepted' : 'scaffold.rejected') : accepted ? 'weights.accepted' : 'weights.rejected';
    record(verdict(type, experimentId, nodeId, candidate.adapterId));
    if (accepted) {
      current = candidate;
      currentScores = scores;
      fixture.bestNodeId = nodeId;
    } else fixture.rejectedNodeIds.push(nodeId);
  }

  if (options.finish ?? true) {
    record({
      id: `${experimentId}-finished`,
      type: 'experiment.finished',
      data: { experimentId, reason: 'iterations', bestNodeId: fixture.bestNodeId, scores: { dev: currentScores.dev, holdout: currentScores.holdout }, usage },
    });
  }
  if (options.audit ?? true) {
    const gap = currentScores.dev - currentScores.holdout;
    record({
      id: `${experimentId}-audit`,
      type: 'audit.performed',
      data: {
        experimentId,
        atPosition: store.head(),
        clean: gap < 0.05,
        checks: [
          {
            name: 'holdout-gap',
            passed: gap < 0.05,
            summary: `dev − holdout = ${gap.toFixed(3)}`,
            findings: gap < 0.05 ? [] : [{ nodeId: fixture.bestNodeId, message: 'dev gain does not carry to holdout' }],
          },
          { name: 'verifier-pinned', passed: true, summary: 'every reward used one verifier hash', findings: [] },
        ],
      },
    });
  }
  return fixture;
}

function decision(experimentId: string, iteration: number, nodeId: string, kind: 'harness' | 'weights', algorithm: string | null, trainMean: number): NewEvent {
  return {
    id: `${experimentId}-decision-${iteration}`,
    type: 'feedback.decided',
    data: {
      experimentId,
      iteration,
      nodeId,
      kind,
      rationale: kind === 'harness' ? 'errors cluster on multi-step questions: sample more' : 'rewards are sparse: train the adapter',
      algorithm,
      advice: algorithm ? { algorithm, reason: 'reward statistics' } : null,
      rewardStatistics: { n: 40, mean: trainMean, std: 0.3, successRate: trainMean, density: 0, pairwiseAvailability: 0.5 },
      agent: 'offline',
      promptHash: null,
      usage,
      attempts: 1,
    },
  };
}

function checkpoint(
  experimentId: string,
  nodeId: string,
  parent: { nodeId: string; scaffoldId: string; adapterId: string | null },
  adapterId: string,
  algorithm: string,
  adapterDir?: string,
): NewEvent {
  const files = { 'adapter_config.json': sha256Hex(`${adapterId} config`), 'adapter_model.safetensors': sha256Hex(`${adapterId} weights`) };
  const folder = join(adapterDir ?? '/nonexistent/sia-adapters', adapterId);
  if (adapterDir) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ adapterId, baseModel: 'tiny', rank: 4, files }, null, 2));
  }
  return {
    id: `${nodeId}-checkpointed`,
    type: 'weights.checkpointed',
    data: {
      experimentId,
      adapterId,
      parentAdapterId: parent.adapterId,
      nodeId,
      parentNodeId: parent.nodeId,
      scaffoldId: parent.scaffoldId,
      baseModel: 'tiny',
      algorithm,
      hyperparams: { learningRate: 0.01, rank: 4, steps: 20 },
      files,
      uri: pathToFileURL(folder).href,
      jobId: null,
    },
  };
}

function verdict(
  type: 'scaffold.accepted' | 'scaffold.rejected' | 'weights.accepted' | 'weights.rejected',
  experimentId: string,
  nodeId: string,
  adapterId: string | null = null,
): NewEvent {
  const base = { id: `${nodeId}-${type}`, data: { experimentId, nodeId, comparison: null } };
  return type.startsWith('weights') ? ({ ...base, type, data: { ...base.data, adapterId: adapterId ?? '' } } as NewEvent) : ({ ...base, type } as NewEvent);
}

const clamp = (value: number) => Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
