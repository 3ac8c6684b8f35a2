/**
 * The Feedback-Agent's prompt, rendered by the real templates for every packaged task and sent to a scripted
 * OpenAI-protocol model by `sia run --agents openai`: train labels are in it, and no dev or holdout input, id or
 * label is; what it carried is recorded as coverage in feedback.decided.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { loadTask, packagedTaskIds } from '../plugins/tasks/index.ts';
import { createApp } from '../server/app.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';
import { serveAgents, siaAsync } from './support/scripted-agents.ts';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Whether `needle` stands in `text` as a whole token (so `item-1` is not found inside `item-12`). */
const mentions = (text: string, needle: string) => new RegExp(`(?<![\\w-])${escape(needle)}(?![\\w-])`).test(text);
const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
/** The start of a value as it stands in the prompt's JSON (long values are cut there, so the start is what shows). */
const probe = (value: unknown) => JSON.stringify(asText(value).slice(0, 60)).slice(1, -1);

describe.each(packagedTaskIds())('the Feedback prompt of %s', (taskId) => {
  it('carries train labels and never a dev or holdout input, id or label; coverage is recorded', { timeout: 240_000 }, async () => {
    const task = await loadTask(taskId);
    const splits = task.splits(0);
    const directory = mkdtempSync(join(tmpdir(), `sia-evidence-${taskId}-`));
    const model = createOpenAIChatServer();
    model.script(
      { kind: 'tool', input: { entry: task.referenceScaffold.entry, files: task.referenceScaffold.files, rationale: 'start from the reference' } },
      { kind: 'tool', input: { kind: 'stop', rationale: 'enough for this test' } },
    );
    const { server, config } = await serveAgents(model, directory);
    const db = join(directory, 'sia.db');
    try {
      const result = await siaAsync(['run', '--task', taskId, '--mode', 'h', '--iterations', '1', '--config', config, '--db', db, '--json']);
      expect(result.status, result.stderr).toBe(0);
    } finally {
      server.close();
    }
    expect(model.requests).toHaveLength(2);
    const prompt = JSON.stringify(model.requests[1].body.messages);

    // Every item shown is a train item, and every expected answer shown is that train item's label.
    const user = String((model.requests[1].body.messages as { role: string; content: string }[]).find((message) => message.role === 'user')?.content);
    const train = new Map(splits.train.map((example) => [example.id, example]));
    const shown = [...user.matchAll(/^- (\S+): (?:correct|error|timeout|unparsable|wrong|partial), reward .*\n(?: {2}input: .*\n)? {2}expected: (.*)$/gm)];
    expect(shown.length).toBeGreaterThan(0);
    for (const [, id, expected] of shown) {
      expect(train.has(id), `${id} is a train item`).toBe(true);
      const text = expected.replace(/… \[cut: \d+ more characters\]$/, '');
      expect(JSON.stringify(train.get(id)?.label).startsWith(text), `the expected answer shown for ${id} is its train label`).toBe(true);
    }
    // No dev or holdout id anywhere, nor an input no train item shares (identical inputs across splits are not leaks).
    const trainInputs = new Set(splits.train.map((example) => probe(task.view(example).input)));
    const unseen = [...splits.dev, ...splits.holdout];
    for (const example of unseen) expect(mentions(prompt, example.id), `${example.id} appears`).toBe(false);
    const ownInputs = unseen.filter((example) => !trainInputs.has(probe(task.view(example).input)));
    for (const example of ownInputs) expect(prompt.includes(probe(task.view(example).input)), `the input of ${example.id} appears`).toBe(false);
    console.info(`[${taskId}] ${unseen.length} dev/holdout ids and ${ownInputs.length} inputs checked absent`);

    const store = openSqliteEventStore(db, { readonly: true });
    const [decided] = store.read({ types: ['feedback.decided'] });
    // The node page's API shows the same coverage for the decision taken from that node.
    const nodeId = decided.type === 'feedback.decided' ? decided.data.nodeId : '';
    const page = await (await createApp({ store }).request(`/api/nodes/${encodeURIComponent(nodeId)}`)).json();
    expect(page.decisions).toEqual([
      { iteration: 0, kind: 'stop', algorithm: null, evidence: decided.type === 'feedback.decided' ? decided.data.evidence : null },
    ]);
    store.close();
    expect(decided.type === 'feedback.decided' && decided.data.evidence).toMatchObject({
      itemsAvailable: splits.train.length,
      itemsShown: expect.any(Number),
      bytesShown: expect.any(Number),
    });
    const evidence = decided.type === 'feedback.decided' ? decided.data.evidence : undefined;
    expect(evidence?.itemsShown).toBeGreaterThan(0);
    expect(evidence?.bytesShown).toBeLessThanOrEqual(evidence?.bytesAvailable ?? 0);
    console.info(
      `[${taskId}] feedback prompt ${prompt.length} characters, ~${evidence?.promptTokens} tokens of ${evidence?.tokenBudget}; items ${evidence?.itemsShown}/${evidence?.itemsAvailable}, bytes ${evidence?.bytesShown}/${evidence?.bytesAvailable}, failure kinds ${evidence?.failureKindsShown.join('+')} of ${evidence?.failureKindsAvailable.join('+')}`,
    );
  });
});
