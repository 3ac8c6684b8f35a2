import { readFileSync } from 'node:fs';
import type { GateComparison } from '../../core/events/index.ts';
import type { EventStore, NewEvent } from '../../core/ports/event-store.ts';
import { mulberry32 } from '../../core/random.ts';
import { readConfigBlock, writeConfigBlock } from '../../plugins/tasks/shared/config-block.ts';
import { hex } from './events.ts';
import { gateComparison, nodeIdOf, usage, verifierHash, writer } from './ui-writer.ts';

/**
 * Experiments for the web UI's browser tests, written as the loop records them. Node ids look like the
 * loop's (`node-<10 hex>`), so labels are as wide as in real runs. `writeBranchingExperiment` grows a bushy
 * lineage of any size (each iteration edits a random accepted node; about half are rejected), with gate
 * comparisons on every verdict; `writeLawbenchExperiment` is a small lawbench one with Chinese case text,
 * config-block edits, per-item rewards and an error, an audit, and a node made after that audit.
 */
const LAWBENCH_SOLVE = readFileSync(new URL('../../plugins/tasks/lawbench/scaffold/solve.mjs', import.meta.url), 'utf8');

/** A lineage of `nodeCount` nodes that branches: the bushy case that made labels overlap. */
export function writeBranchingExperiment(store: EventStore, experimentId: string, nodeCount: number, seed = 3): { nodeIds: string[] } {
  // Nodes of a bushy lineage all branch off accepted ones; about half the candidates are rejected.
  const random = mulberry32(seed);
  const log = writer(store, experimentId, 'gsm8k', nodeCount);
  const files = { 'solve.mjs': 'export default async () => 42;\n' };
  const seedId = nodeIdOf(experimentId, 0);
  log.propose(seedId, null, files, null, 'seed');
  log.evaluate(seedId, 'dev', 0.3);
  log.verdict(seedId, { ...gateComparison(0, 0.3), accepted: true, reason: 'seed' });
  const accepted = [{ id: seedId, dev: 0.3 }];
  const nodeIds = [seedId];
  for (let i = 1; i < nodeCount; i++) {
    const parent = accepted[Math.floor(random() * accepted.length)];
    const nodeId = nodeIdOf(experimentId, i);
    log.decide(i - 1, parent.id);
    log.propose(nodeId, parent.id, { 'solve.mjs': `export default async () => ${i};\n` }, files, `edit ${i}`);
    const dev = Math.round(Math.min(1, Math.max(0, parent.dev + (random() - 0.45) * 0.2)) * 1000) / 1000;
    log.evaluate(nodeId, 'dev', dev);
    const comparison = gateComparison(parent.dev, dev, 0.02);
    log.verdict(nodeId, comparison);
    if (comparison.accepted) accepted.push({ id: nodeId, dev });
    nodeIds.push(nodeId);
  }
  log.record({
    id: `${experimentId}-finished`,
    type: 'experiment.finished',
    data: { experimentId, reason: 'iterations', bestNodeId: seedId, scores: { dev: 0.3, holdout: null }, usage },
  });
  store.append(`audit-${experimentId}`, [
    {
      id: `${experimentId}-audit`,
      type: 'audit.performed',
      data: {
        experimentId,
        atPosition: store.head(),
        clean: true,
        checks: [{ name: 'verifier-pinned', passed: true, summary: 'every reward used one verifier hash', findings: [], measurements: {} }],
      },
    },
  ]);
  return { nodeIds };
}

export interface LawbenchFixture {
  experimentId: string;
  seedId: string;
  /** shortlist 0 → 3: accepted. */
  shortlistId: string;
  /** retries 0 → 2: rejected. */
  retriesId: string;
  /** Proposed after the audit, so the audit is stale. */
  afterAuditId: string;
  shortlistDevRunId: string;
  comparisons: { shortlist: GateComparison; retries: GateComparison };
}

export const CASE_FACTS = '经审理查明，被告人张某于2019年3月在某市盗窃他人电动车一辆，价值人民币三千元。';

export function writeLawbenchExperiment(store: EventStore, experimentId = 'law-demo'): LawbenchFixture {
  const log = writer(store, experimentId, 'lawbench', 4);
  const seedFiles = { 'solve.mjs': LAWBENCH_SOLVE };
  const withSetting = (files: Record<string, string>, key: string, value: number) => ({
    'solve.mjs': writeConfigBlock(files['solve.mjs'], { ...readConfigBlock(files['solve.mjs']), [key]: value }),
  });
  const [seedId, shortlistId, retriesId, afterAuditId] = [0, 1, 2, 3].map((i) => nodeIdOf(experimentId, i));
  const shortlistFiles = withSetting(seedFiles, 'shortlist', 3);
  const comparisons = { shortlist: gateComparison(0.45, 0.55), retries: gateComparison(0.55, 0.57) };

  log.propose(seedId, null, seedFiles, null, 'reference scaffold');
  log.evaluate(seedId, 'dev', 0.45);
  log.verdict(seedId, { ...gateComparison(0, 0.45), accepted: true, reason: 'seed' });
  log.decide(0, seedId);
  log.propose(shortlistId, seedId, shortlistFiles, seedFiles, '先按关键词筛选罪名 (shortlist charges by keyword overlap)');
  const shortlistDevRunId = `${shortlistId}-dev`;
  writeLawbenchRun(store, experimentId, shortlistId, shortlistDevRunId);
  log.evaluate(shortlistId, 'dev', 0.55, shortlistDevRunId);
  log.verdict(shortlistId, comparisons.shortlist);
  log.decide(1, shortlistId);
  log.propose(retriesId, shortlistId, withSetting(shortlistFiles, 'retries', 2), shortlistFiles, 'retry unparsable answers');
  log.evaluate(retriesId, 'dev', 0.57);
  log.verdict(retriesId, comparisons.retries);
  // On the audit stream, where `sia audit` records it (the report reads it there).
  store.append(`audit-${experimentId}`, [
    {
      id: `${experimentId}-audit`,
      type: 'audit.performed',
      data: {
        experimentId,
        atPosition: store.head(),
        clean: false,
        checks: [
          { name: 'verifier-pinned', passed: true, summary: 'every reward used one verifier hash', findings: [], measurements: {} },
          {
            name: 'holdout-gap',
            passed: false,
            summary: 'dev − holdout = 0.120',
            findings: [{ nodeId: shortlistId, message: 'dev gain does not carry to holdout' }],
            measurements: { dev: 0.55, holdout: 0.43 },
          },
        ],
      },
    },
  ]);
  log.decide(2, shortlistId);
  log.propose(afterAuditId, shortlistId, withSetting(shortlistFiles, 'maxFactChars', 900), shortlistFiles, 'longer facts');
  return { experimentId, seedId, shortlistId, retriesId, afterAuditId, shortlistDevRunId, comparisons };
}

/** Three items: a right charge, a wrong one, and one that timed out; model calls carry the Chinese facts. */
function writeLawbenchRun(store: EventStore, experimentId: string, nodeId: string, runId: string): void {
  const items = [
    { exampleId: 'dev-0', answer: '盗窃', reward: 1 },
    { exampleId: 'dev-1', answer: '诈骗', reward: 0 },
    { exampleId: 'dev-2', answer: null, reward: 0 },
  ];
  const events: NewEvent[] = [
    {
      id: `${runId}-started`,
      type: 'run.started',
      data: {
        runId,
        experimentId,
        nodeId,
        scaffoldId: hex(5),
        adapterId: null,
        split: 'dev',
        exampleIds: items.map((item) => item.exampleId),
        replayOf: null,
        replayMode: null,
        purpose: 'eval',
      },
    },
  ];
  items.forEach((item, i) => {
    if (item.answer === null) {
      events.push({
        id: `${runId}-error-${i}`,
        type: 'run.step_recorded',
        data: {
          runId,
          exampleId: item.exampleId,
          index: 1_000_000 + i,
          step: { kind: 'error', errorKind: 'timeout', message: 'solve took longer than 30000 ms' },
        },
      });
    } else {
      const step = {
        kind: 'llm_call' as const,
        model: 'policy',
        request: { messages: [{ role: 'user' as const, content: `事实:${CASE_FACTS}\n罪名:` }], guidedChoice: ['盗窃', '诈骗'], temperature: 0 },
        completion: item.answer,
        tokenIds: [17],
        logprobs: [-0.3],
        latencyMs: 12.3456 + i,
        usage,
      };
      events.push({ id: `${runId}-s${i}`, type: 'run.step_recorded', data: { runId, exampleId: item.exampleId, index: i, step } });
    }
    events.push({
      id: `${runId}-reward${i}`,
      type: 'reward.recorded',
      data: {
        runId,
        experimentId,
        nodeId,
        exampleId: item.exampleId,
        split: 'dev',
        reward: item.reward,
        metric: item.reward,
        verifierHash,
        output: item.answer,
        detail: null,
      },
    });
  });
  events.push({
    id: `${runId}-finished`,
    type: 'run.finished',
    data: { runId, experimentId, nodeId, split: 'dev', score: 1 / 3, metricName: 'top1_accuracy', n: 3, errors: 1, usage, wallMs: 40 },
  });
  store.append(`run-${runId}`, events);
}
