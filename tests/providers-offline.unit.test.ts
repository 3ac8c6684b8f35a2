import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/hashing.ts';
import type { Decision, FeedbackContext } from '../core/ports/agents.ts';
import { adviseAlgorithm } from '../core/rl/selector.ts';
import { createOfflineAgents, decideOffline, knobFamily } from '../plugins/providers/offline.ts';
import { createTask } from '../plugins/tasks/lawbench/index.ts';
import { readConfigBlock } from '../plugins/tasks/shared/config-block.ts';
import { agentsContract } from './contracts/agents.case.ts';
import { feedbackContext, lesson, SAMPLE_KNOBS, trajectory } from './support/agent-fixtures.ts';

agentsContract('offline', async () => ({ agents: createOfflineAgents({ knobs: SAMPLE_KNOBS }), script: null, apiKey: null }));

const operatorOf = (decision: Decision) => (decision.kind === 'harness' ? decision.operator : decision.kind);
const decide = (overrides: Partial<FeedbackContext>) => decideOffline(feedbackContext(overrides), SAMPLE_KNOBS);

describe('offline Feedback-Agent, mode h: which knob first', () => {
  it('sorts knobs into families by name', () => {
    expect(['parser', 'shortlist', 'samples', 'temperature', 'retries', 'promptStyle', 'overlap'].map(knobFamily)).toEqual([
      'parser',
      'width',
      'voting',
      'voting',
      'voting',
      'prompt',
      'width',
    ]);
  });

  it('fixes parsing first when many outputs are errors or empty', () => {
    const trainTrajectories = [trajectory(1, 0, null, ['SyntaxError']), trajectory(2, 0, ''), trajectory(3, 1), trajectory(4, 0)];
    const decision = decide({ trainTrajectories, trainScore: 0.25 });
    expect(operatorOf(decision)).toBe('knob:parser=longest');
    expect(decision.rationale).toMatch(/50% of train outputs/);
  });

  it('votes first when samples of an item disagree', () => {
    expect(operatorOf(decide({ rewardStatistics: { ...feedbackContext().rewardStatistics, pairwiseAvailability: 0.5 } }))).toBe('knob:samples=3');
  });

  it('widens the candidates first when accuracy is low with parsable answers', () => {
    expect(operatorOf(decide({ trainScore: 0.25 }))).toBe('knob:shortlist=5');
  });

  it('tries prompt variants first otherwise, skipping what was tried from this node', () => {
    expect(operatorOf(decide({ trainScore: 0.75 }))).toBe('knob:promptStyle=judge');
    expect(operatorOf(decide({ trainScore: 0.75, tried: ['knob:promptStyle=judge'] }))).toBe('knob:samples=3');
  });

  it('orders families by what worked: a family the gate accepted first, untried families next, rejected ones last', () => {
    const knobs = { shortlist: [0, 5], overlap: ['bigram'], promptStyle: ['plain', 'judge'], samples: [1, 3], maxFactChars: [300, 600] };
    const edited = (operator: string, accepted: boolean, gain: number) =>
      lesson({
        nodeId: `n-${operator}`,
        kind: 'harness',
        status: accepted ? 'accepted' : 'rejected',
        what: 'edit',
        devScore: 0.3,
        operator,
        gate: { accepted, gain, lower: gain - 0.1, upper: gain + 0.1, reason: 'r' },
      });
    const next = (lineage: FeedbackContext['lineage'], tried: string[], trainScore: number) =>
      operatorOf(decideOffline(feedbackContext({ trainScore, lineage, tried }), knobs));
    const base = feedbackContext().lineage;
    // Exploit: width was accepted, so width again (its size key tried from this node, its ranking key next), although prompt comes first by symptom.
    expect(next([...base, edited('knob:shortlist=5', true, 0.1)], ['knob:shortlist=5'], 0.75)).toBe('knob:overlap=bigram');
    // Within the family, a key not edited yet comes before another value of the key just edited (tried elsewhere).
    expect(next([...base, edited('knob:shortlist=5', true, 0.1)], [], 0.75)).toBe('knob:overlap=bigram');
    // Explore: width was rejected, so an untried family first, although width comes first by symptom.
    expect(next([...base, edited('knob:shortlist=5', false, -0.1)], [], 0.25)).toBe('knob:promptStyle=judge');
    // Every family is reached: with width and prompt rejected, voting and then other come before them.
    const rejected = [...base, edited('knob:shortlist=5', false, -0.1), edited('knob:promptStyle=judge', false, 0)];
    expect(next(rejected, [], 0.25)).toBe('knob:samples=3');
    expect(next([...rejected, edited('knob:samples=3', false, 0)], ['knob:samples=3'], 0.25)).toBe('knob:maxFactChars=300');
  });

  it("orders a key's values by what worked: accepted first, untried numbers nearest the best, rejected last", () => {
    const knobs = { shortlist: [0, 1, 3, 5, 10, 20] };
    const gate = (accepted: boolean, gain: number) => ({ accepted, gain, lower: gain - 0.1, upper: gain + 0.1, reason: 'r' });
    const lineage = [
      ...feedbackContext().lineage,
      lesson({ nodeId: 'a', kind: 'harness', status: 'accepted', what: 'e', devScore: 0.3, operator: 'knob:shortlist=3', gate: gate(true, 0.2) }),
      lesson({ nodeId: 'b', kind: 'harness', status: 'rejected', what: 'e', devScore: 0.1, operator: 'knob:shortlist=20', gate: gate(false, -0.1) }),
    ];
    const order: string[] = [];
    const tried: string[] = [];
    for (;;) {
      const decision = decideOffline(feedbackContext({ trainScore: 0.25, lineage, tried }), knobs);
      if (decision.kind !== 'harness') break;
      order.push(decision.operator);
      tried.push(decision.operator);
    }
    expect(order).toEqual(['knob:shortlist=3', 'knob:shortlist=1', 'knob:shortlist=5', 'knob:shortlist=10', 'knob:shortlist=20']);
  });

  it('does not read the spread of training-temperature rollouts as scaffold disagreement', () => {
    const statistics = { ...feedbackContext().rewardStatistics, pairwiseAvailability: 0.8, source: 'rollouts' as const };
    expect(operatorOf(decide({ rewardStatistics: statistics, trainScore: 0.25 }))).toBe('knob:shortlist=5');
  });

  it('is deterministic and leaves its input alone', () => {
    const context = feedbackContext();
    const before = structuredClone(context);
    expect(decideOffline(context, SAMPLE_KNOBS)).toEqual(decideOffline(context, SAMPLE_KNOBS));
    expect(context).toEqual(before);
  });

  it('stops when every knob value was tried', () => {
    const tried = ['knob:promptStyle=judge', 'knob:shortlist=5', 'knob:samples=3', 'knob:parser=longest'];
    const decision = decide({ tried });
    expect(decision.kind).toBe('stop');
    expect(decision.rationale).toMatch(/every listed knob value was tried/);
  });

  it('stops on a scaffold without a config block', () => {
    const decision = decide({ scaffold: { entry: 'a.mjs', files: { 'a.mjs': 'export async function solve() {}' } } });
    expect(decision.kind === 'stop' && decision.rationale).toMatch(/no sia:config block/);
  });
});

describe('offline Feedback-Agent, mode w+h: weights or harness', () => {
  const lineageAfter = (kind: 'harness' | 'weights') => [
    ...feedbackContext().lineage,
    lesson({ nodeId: 'node-1', kind, status: 'accepted', what: 'last change', devScore: 0.5 }),
  ];

  it('trains with the advised algorithm when rewards vary and weights were not tried from this node, also right after an accepted update', () => {
    for (const lineage of [feedbackContext().lineage, lineageAfter('harness'), lineageAfter('weights')]) {
      const decision = decide({ mode: 'w+h', lineage });
      expect(decision).toMatchObject({ kind: 'weights', algorithm: 'grpo' });
    }
  });

  it('edits the harness after weights were tried from this node, or when rewards do not vary', () => {
    expect(decide({ mode: 'w+h', tried: ['weights:grpo'] }).kind).toBe('harness');
    expect(decide({ mode: 'w+h', tried: ['weights'] }).kind).toBe('harness');
    const flat = { ...feedbackContext().rewardStatistics, std: 0, mean: 0, successRate: 0 };
    expect(decide({ mode: 'w+h', rewardStatistics: flat }).kind).toBe('harness');
  });

  it('tries one harness edit before training when under 5% of samples succeed', () => {
    const sparse = { ...feedbackContext().rewardStatistics, n: 100, mean: 0.02, std: 0.14, successRate: 0.02 };
    const first = decide({ mode: 'w+h', rewardStatistics: sparse });
    expect(first.kind).toBe('harness');
    expect(first.rationale).toMatch(/too few to learn from/);
    expect(decide({ mode: 'w+h', rewardStatistics: sparse, tried: [operatorOf(first)] }).kind).toBe('weights');
  });

  it('trains again when no harness edit is left, and stops when neither lever is left', () => {
    const tried = ['knob:promptStyle=judge', 'knob:shortlist=5', 'knob:samples=3', 'knob:parser=longest'];
    expect(decide({ mode: 'w+h', lineage: lineageAfter('weights'), tried }).kind).toBe('weights');
    // One retry is left after one update; two updates from a node are the most.
    expect(decide({ mode: 'w+h', tried: [...tried, 'weights'] })).toMatchObject({ kind: 'weights', hyperparams: { extraEpochs: 2 } });
    const stop = decide({ mode: 'w+h', tried: [...tried, 'weights', 'weights:grpo'] });
    expect(stop.kind).toBe('stop');
    expect(stop.rationale).toMatch(/weights were already tried/);
  });

  it('after a rejected update and a rejected edit, retries weights from the same node with a smaller step', () => {
    const rejected = (gain: number) => [
      ...feedbackContext().lineage,
      lesson({
        nodeId: 'node-w',
        parentId: 'node-0',
        kind: 'weights',
        status: 'rejected',
        what: 'weights',
        devScore: 0.4,
        operator: 'grpo',
        gate: { accepted: false, gain, lower: gain - 0.1, upper: gain + 0.1, reason: 'r' },
      }),
    ];
    expect(decide({ mode: 'w+h', tried: ['weights:grpo'], lineage: rejected(-0.05) }).kind).toBe('harness');
    expect(decide({ mode: 'w+h', tried: ['weights:grpo', 'knob:promptStyle=judge'], lineage: rejected(-0.05) })).toMatchObject({
      kind: 'weights',
      hyperparams: { lrScale: 0.5 },
    });
    expect(decide({ mode: 'w+h', tried: ['weights:grpo', 'knob:promptStyle=judge'], lineage: rejected(0.01) })).toMatchObject({
      kind: 'weights',
      hyperparams: { extraEpochs: 2 },
    });
  });

  it('falls back to the first allowed algorithm when the advice is not allowed', () => {
    const decision = decide({ mode: 'w+h', advice: { algorithm: 'dpo', reason: 'pairs exist' } });
    expect(decision).toMatchObject({ kind: 'weights', algorithm: 'grpo' });
    expect(decision.rationale).toMatch(/dpo is not available/);
  });

  it('asks the selector when the context carries no advice', () => {
    const context = feedbackContext({ mode: 'w+h', advice: null, algorithms: [] });
    const decision = decideOffline(context, SAMPLE_KNOBS);
    expect(decision).toMatchObject({ kind: 'weights', algorithm: adviseAlgorithm(context.rewardStatistics).algorithm });
  });
});

describe('offline agents on the LawBench reference scaffold', () => {
  it('keep the reference, then edit one knob of its config block as a real code change', async () => {
    const task = await createTask();
    const { meta, feedback } = createOfflineAgents({ knobs: task.knobs as Record<string, Array<string | number | boolean>> });
    const written = await meta.writeScaffold({ task, reference: task.referenceScaffold });
    expect(written.scaffold).toEqual(task.referenceScaffold);
    expect(written.rationale).toMatch(/reference scaffold, unchanged/);

    const rulesText = readFileSync(new URL('../plugins/providers/prompts/offline-rules.v3.md', import.meta.url), 'utf8');
    const { decision, promptHash, usage } = await feedback.decide(feedbackContext({ scaffold: written.scaffold, trainScore: 0.2 }));
    expect(promptHash).toBe(sha256Hex(rulesText));
    expect(usage).toEqual({ promptTokens: 0, completionTokens: 0, costUsd: 0 });
    expect(decision.kind).toBe('harness');
    if (decision.kind !== 'harness') return;
    const entry = task.referenceScaffold.entry;
    const [key, value] = decision.operator.replace('knob:', '').split('=') as [string, string];
    const before = readConfigBlock(task.referenceScaffold.files[entry] as string);
    const after = readConfigBlock(decision.scaffold.files[entry] as string);
    expect(String(after[key])).toBe(value);
    expect(after).toEqual({ ...before, [key]: after[key] });
    expect(decision.scaffold.files[entry]).not.toBe(task.referenceScaffold.files[entry]);
  });
});
