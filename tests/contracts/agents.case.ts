/**
 * The contract every Meta/Feedback agent pair keeps. Providers that call a model get a script (what the model
 * answers next) so the malformed-answer and API-key cases can run; the offline agents skip those with a reason.
 */
import { describe, expect, it } from 'vitest';
import { ModelBehaviorError } from '../../core/errors.ts';
import type { FeedbackAgent, MetaAgent } from '../../core/ports/agents.ts';
import { DecisionShape } from '../../plugins/providers/decision-schema.ts';
import { feedbackContext, sampleScaffold } from '../support/agent-fixtures.ts';
import { harnessRunner } from '../support/contract-harness.ts';
import type { ScriptedReply } from '../support/scripted-replies.ts';

export interface AgentsHarness {
  agents: { meta: MetaAgent; feedback: FeedbackAgent };
  /** Queues model answers; null for agents that call no model. */
  script: ((...replies: ScriptedReply[]) => void) | null;
  /** The API key the provider was given (null without one). */
  apiKey: string | null;
  /** The headers of every request that reached the server, to prove the key was actually sent. */
  sentHeaders?: () => Array<Record<string, string>>;
  close?: () => Promise<void>;
}

const SHA256 = /^[0-9a-f]{64}$/;
const validScaffoldAnswer = () => ({ ...sampleScaffold(), rationale: 'the reference fits the task' });
const validHarnessAnswer = () => ({
  kind: 'harness',
  operator: 'answer-parser',
  rationale: 'half the failures are formatting',
  files: { 'parse.mjs': 'export function parse(text) {\n  return text.trim().toUpperCase();\n}\n' },
});

export function agentsContract(name: string, setup: () => Promise<AgentsHarness>): void {
  describe(`agents contract: ${name}`, () => {
    const withHarness = harnessRunner(name, setup);

    it(
      'Meta returns a scaffold whose entry file is among its files',
      withHarness(async ({ agents, script }) => {
        script?.({ kind: 'tool', input: validScaffoldAnswer() });
        const result = await agents.meta.writeScaffold({ task: { id: 'toy', description: 'Answer A or B.' }, reference: sampleScaffold() });
        expect(result.scaffold.files[result.scaffold.entry]).toMatch(/solve/);
        expect(result.rationale.length).toBeGreaterThan(0);
        expect(result.promptHash).toMatch(SHA256);
        if (agents.meta.prompt) expect(result.promptHash).toBe(agents.meta.prompt.hash);
        expect(result.usage.promptTokens).toBeGreaterThanOrEqual(0);
      }),
    );

    it(
      'Feedback returns a valid harness or stop decision in mode h',
      withHarness(async ({ agents, script }) => {
        script?.({ kind: 'tool', input: validHarnessAnswer() });
        const context = feedbackContext({ mode: 'h' });
        const result = await agents.feedback.decide(context);
        const decision = DecisionShape.parse(result.decision);
        expect(decision.kind).not.toBe('weights');
        if (decision.kind === 'harness') expect(decision.scaffold).not.toEqual(context.scaffold);
        expect(result.promptHash).toMatch(SHA256);
        expect(result.attempts).toBeGreaterThanOrEqual(1);
        expect(result.usage.completionTokens).toBeGreaterThanOrEqual(0);
      }),
    );

    it(
      'a weights decision in mode w+h names an allowed algorithm',
      withHarness(async ({ agents, script }) => {
        script?.({ kind: 'tool', input: { kind: 'weights', algorithm: 'grpo', rationale: 'rewards vary within groups' } });
        const context = feedbackContext({ mode: 'w+h' });
        const { decision } = await agents.feedback.decide(context);
        expect(decision.kind).toBe('weights');
        if (decision.kind === 'weights') expect(context.algorithms.map((a) => a.id)).toContain(decision.algorithm);
      }),
    );

    it(
      'a malformed answer is retried with the problem fed back, then accepted',
      withHarness(async ({ agents, script }, skip) => {
        if (!script) return skip('these agents produce no model output that could be malformed');
        script({ kind: 'text', text: 'I think we should tweak the parser.' }, { kind: 'tool', input: validHarnessAnswer() });
        const result = await agents.feedback.decide(feedbackContext());
        expect(result.attempts).toBe(2);
        expect(DecisionShape.parse(result.decision).kind).toBe('harness');
      }),
    );

    it(
      'answers that stay invalid end in a ModelBehaviorError',
      withHarness(async ({ agents, script }, skip) => {
        if (!script) return skip('these agents produce no model output that could be malformed');
        script(
          { kind: 'tool', input: { kind: 'weights', algorithm: 'grpo', rationale: 'mode h forbids this' } },
          { kind: 'tool', input: { kind: 'harness', rationale: 'no operator, no files' } },
          { kind: 'text', text: '{"kind": "harness", "operator": ' },
        );
        const failure = agents.feedback.decide(feedbackContext({ mode: 'h' }));
        await expect(failure).rejects.toBeInstanceOf(ModelBehaviorError);
        await expect(failure).rejects.toThrow(/3 attempts/);
      }),
    );

    it(
      'the API key appears in nothing the agents return or throw',
      withHarness(async ({ agents, script, apiKey, sentHeaders }, skip) => {
        if (!apiKey || !script) return skip('these agents use no API key');
        script({ kind: 'tool', input: validScaffoldAnswer() }, { kind: 'tool', input: validHarnessAnswer() });
        script({ kind: 'text', text: 'no' }, { kind: 'text', text: 'no' }, { kind: 'text', text: 'no' });
        const recorded: unknown[] = [
          await agents.meta.writeScaffold({ task: { id: 'toy', description: 'Answer A or B.' }, reference: sampleScaffold() }),
          await agents.feedback.decide(feedbackContext()),
          await agents.feedback.decide(feedbackContext()).catch((error: Error) => ({ name: error.name, message: error.message })),
          { ids: [agents.meta.id, agents.feedback.id], prompts: [agents.meta.prompt, agents.feedback.prompt] },
        ];
        expect(JSON.stringify(recorded)).not.toContain(apiKey);
        if (sentHeaders) expect(JSON.stringify(sentHeaders())).toContain(apiKey);
      }),
    );
  });
}
