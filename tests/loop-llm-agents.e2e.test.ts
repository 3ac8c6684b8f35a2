/**
 * `sia run --agents openai` end to end: the Meta- and Feedback-Agents are a chat model behind a local
 * OpenAI-compatible server of ours (scripted answers, tool calls), the policy is the tiny model, the task a
 * user folder made by `sia tasks new`. The LLM's harness edit runs in the sandbox and is gated; its malformed
 * answers are retried and then recorded as a stop with the reason, and the run still finishes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';
import { serveAgents, siaAsync } from './support/scripted-agents.ts';

describe('sia run with LLM agents over the OpenAI protocol', () => {
  it("applies the agent's harness edit through the gate and survives its malformed answers", { timeout: 120_000 }, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sia-llm-agents-'));
    expect(sia(['tasks', 'new', 'adder', '--dir', directory]).status).toBe(0);
    const reference = readFileSync(join(directory, 'adder', 'scaffold', 'solve.mjs'), 'utf8');
    const edited = reference.replace('"candidates": "sum-and-difference"', '"candidates": "sum-only"');
    expect(edited).not.toBe(reference);

    const model = createOpenAIChatServer();
    model.script(
      { kind: 'tool', input: { entry: 'solve.mjs', files: { 'solve.mjs': reference }, rationale: 'start from the reference' } },
      { kind: 'tool', input: { kind: 'harness', operator: 'candidates', rationale: 'only the sum can be right', entrySource: edited } },
      { kind: 'text', text: 'I think we should stop?' },
      { kind: 'text', text: '{"kind": "teleport"}' },
      { kind: 'text', text: 'still not JSON' },
    );
    const { server, config } = await serveAgents(model, directory);
    const db = join(directory, 'sia.db');
    try {
      const result = await siaAsync(['run', '--task', join(directory, 'adder'), '--mode', 'h', '--iterations', '3', '--config', config, '--db', db, '--json']);
      expect(result.status, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.decisions.map((decision: { kind: string }) => decision.kind)).toEqual(['harness', 'stop']);
      const edit = summary.nodes.find((node: { kind: string }) => node.kind === 'harness');
      expect(edit.status).toBe('accepted');
      expect(edit.scores.dev).toBeGreaterThan(summary.nodes[0].scores.dev);

      const store = openSqliteEventStore(db, { readonly: true });
      const proposed = store.read({ types: ['scaffold.proposed'] }).map((event) => event.data as { author: string; diff: string });
      expect(proposed.map((data) => data.author)).toEqual(['meta', 'feedback']);
      expect(proposed[1].diff).toContain('+const CONFIG = { "candidates": "sum-only" };');
      const decisions = store
        .read({ types: ['feedback.decided'] })
        .map((event) => event.data as { kind: string; rationale: string; agent: string; promptHash: string | null });
      expect(decisions[1]).toMatchObject({ kind: 'stop', rationale: expect.stringContaining('agent error') });
      expect(decisions[0].promptHash && store.getBlobText(decisions[0].promptHash)).toBeTruthy();
      expect(store.verify().ok).toBe(true);
      store.close();
      expect(model.requests.length).toBe(5);
    } finally {
      server.close();
    }
  });

  it("lets the agent choose the user's own algorithm loaded with --algorithm", { timeout: 120_000 }, async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sia-llm-algorithm-'));
    expect(sia(['tasks', 'new', 'adder', '--dir', directory]).status).toBe(0);
    const reference = readFileSync(join(directory, 'adder', 'scaffold', 'solve.mjs'), 'utf8');
    const algorithmFile = join(directory, 'raw-reward.mjs');
    writeFileSync(
      algorithmFile,
      `export default () => ({
  id: 'raw-reward', title: 'Raw reward as advantage', suits: 'anything', defaults: {},
  plan(groups) {
    const rows = groups.flat().map((r) => ({ group: r.groupId, traj: r.trajectoryId, tokens: r.tokens, mask: r.mask,
      sampler_logprobs: r.samplerLogprobs, advantages: r.mask.map((m) => m * r.reward), ref_logprobs: null, reward: r.reward, context: r.context }));
    return { rows, loss: { kind: 'is' }, stats: { rows: rows.length } };
  },
});
`,
    );
    const model = createOpenAIChatServer();
    model.script(
      { kind: 'tool', input: { entry: 'solve.mjs', files: { 'solve.mjs': reference }, rationale: 'start from the reference' } },
      { kind: 'tool', input: { kind: 'weights', algorithm: 'raw-reward', rationale: 'try my own estimator' } },
      { kind: 'tool', input: { kind: 'stop', rationale: 'enough' } },
    );
    const { server, config } = await serveAgents(model, directory);
    const db = join(directory, 'sia.db');
    try {
      const result = await siaAsync([
        'run',
        '--task',
        join(directory, 'adder'),
        '--mode',
        'w+h',
        '--iterations',
        '2',
        '--algorithm',
        algorithmFile,
        '--config',
        config,
        '--db',
        db,
        '--json',
      ]);
      expect(result.status, result.stderr).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.decisions).toMatchObject([{ kind: 'weights', algorithm: 'raw-reward' }, { kind: 'stop' }]);
      const store = openSqliteEventStore(db, { readonly: true });
      const submitted = store.read({ types: ['training.submitted'] }).map((event) => event.data as { algorithm: string });
      expect(submitted).toMatchObject([{ algorithm: 'raw-reward' }]);
      expect(store.read({ types: ['weights.checkpointed'] }).map((event) => (event.data as { algorithm: string }).algorithm)).toEqual(['raw-reward']);
      const created = store.read({ types: ['experiment.created'] })[0].data as unknown as { config: { algorithms: string[] } };
      expect(created.config.algorithms).toEqual([algorithmFile]);
      store.close();
    } finally {
      server.close();
    }
  });
});
