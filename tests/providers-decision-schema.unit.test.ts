import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { answerToValue, decisionAnswerSchema, parseDecisionAnswer, parseScaffoldAnswer, toolInputSchema } from '../plugins/providers/decision-schema.ts';
import { feedbackContext, sampleScaffold } from './support/agent-fixtures.ts';

describe('reading a model answer as JSON', () => {
  it('takes a tool input object as it is', () => {
    const input = { kind: 'stop', rationale: 'done' };
    expect(answerToValue(input)).toBe(input);
  });

  it('finds JSON in plain, fenced and prose-wrapped text', () => {
    expect(answerToValue('{"kind":"stop"}')).toEqual({ kind: 'stop' });
    expect(answerToValue('Here:\n```json\n{"kind": "stop", "rationale": "a } in text"}\n```')).toEqual({ kind: 'stop', rationale: 'a } in text' });
    expect(answerToValue('I decide {"kind": "stop", "rationale": "brace \\" quote {"} as final.')).toEqual({ kind: 'stop', rationale: 'brace " quote {' });
  });

  it('refuses text without JSON, naming the answer', () => {
    expect(() => answerToValue('let us stop here')).toThrow(ValidationError);
    expect(() => answerToValue('{"kind": "stop"')).toThrow(/no JSON object/);
  });
});

describe('validating a Feedback decision', () => {
  const context = feedbackContext({ mode: 'w+h' });

  it('turns changed files into a whole new scaffold, keeping untouched files', () => {
    const decision = parseDecisionAnswer(
      { kind: 'harness', operator: 'answer-parser', rationale: 'r', files: { 'parse.mjs': 'export const parse = (t) => t;\n' } },
      context,
    );
    expect(decision.kind).toBe('harness');
    if (decision.kind !== 'harness') return;
    expect(decision.scaffold.files['parse.mjs']).toBe('export const parse = (t) => t;\n');
    expect(decision.scaffold.files['solve.mjs']).toBe(context.scaffold.files['solve.mjs']);
    expect(context.scaffold.files['parse.mjs']).not.toBe(decision.scaffold.files['parse.mjs']);
  });

  it('replaces the entry file from entrySource', () => {
    const decision = parseDecisionAnswer(
      { kind: 'harness', operator: 'rewrite', rationale: 'r', entrySource: 'export async function solve() { return "A"; }' },
      context,
    );
    expect(decision.kind === 'harness' && decision.scaffold.files['solve.mjs']).toBe('export async function solve() { return "A"; }');
  });

  it.each([
    [{ kind: 'weights', algorithm: 'dpo', rationale: 'r' }, /algorithm/],
    [{ kind: 'weights', rationale: 'r' }, /algorithm/],
    [{ kind: 'harness', rationale: 'r', files: { 'a.mjs': 'x' } }, /operator/],
    [{ kind: 'harness', operator: 'o', rationale: 'r' }, /files/],
    [{ kind: 'harness', operator: 'o', rationale: 'r', files: { '../escape.mjs': 'x' } }, /relative path/],
    [{ kind: 'harness', operator: 'o', rationale: 'r', files: { 'parse.mjs': sampleScaffold().files['parse.mjs'] } }, /changes no file/],
    [{ kind: 'retreat', rationale: 'r' }, /kind/],
    [{ kind: 'stop', rationale: '' }, /rationale/],
  ])('refuses %j with a message naming the problem', (answer, problem) => {
    expect(() => parseDecisionAnswer(answer, context)).toThrow(problem);
  });

  it('refuses weights in mode h', () => {
    expect(() => parseDecisionAnswer({ kind: 'weights', algorithm: 'grpo', rationale: 'r' }, feedbackContext({ mode: 'h' }))).toThrow(/kind/);
  });

  it('offers tools a plain object schema listing the allowed kinds and algorithms', () => {
    const schema = toolInputSchema(decisionAnswerSchema('w+h', ['grpo', 'ppo-gae'])) as {
      type: string;
      properties: Record<string, { enum?: string[] }>;
      $schema?: string;
    };
    expect(schema.type).toBe('object');
    expect(schema.$schema).toBeUndefined();
    expect(schema.properties.kind?.enum).toEqual(['harness', 'weights', 'stop']);
    expect(schema.properties.algorithm?.enum).toEqual(['grpo', 'ppo-gae']);
    const hOnly = toolInputSchema(decisionAnswerSchema('h', [])) as { properties: Record<string, { enum?: string[] }> };
    expect(hOnly.properties.kind?.enum).toEqual(['harness', 'stop']);
  });
});

describe('validating a Meta scaffold', () => {
  it('accepts an entry among the files that mentions solve', () => {
    const { scaffold } = parseScaffoldAnswer({ ...sampleScaffold(), rationale: 'fits' });
    expect(scaffold).toEqual(sampleScaffold());
  });

  it('refuses a missing entry file and an entry without solve', () => {
    expect(() => parseScaffoldAnswer({ entry: 'main.mjs', files: { 'solve.mjs': 'solve' }, rationale: 'r' })).toThrow(/main\.mjs/);
    expect(() => parseScaffoldAnswer({ entry: 'main.mjs', files: { 'main.mjs': 'export const x = 1;' }, rationale: 'r' })).toThrow(/solve/);
  });
});
