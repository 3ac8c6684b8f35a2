/**
 * What an LLM Meta/Feedback-Agent must answer, as zod schemas, and the tolerant parsing of its answers
 * (tool input, or JSON somewhere in text). A failed check throws ValidationError whose message is fed back
 * to the model on the next attempt, so it names the field and says what is allowed.
 */
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import type { Decision, FeedbackContext } from '../../core/ports/agents.ts';
import type { ScaffoldFiles } from '../../core/ports/task.ts';

const FileMap = z.record(z.string(), z.string());
const ScaffoldShape = z.object({ entry: z.string().min(1), files: FileMap });

/** The port's Decision as a schema (what every agent, offline or LLM, must return). */
export const DecisionShape = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('harness'), scaffold: ScaffoldShape, operator: z.string().min(1), rationale: z.string().min(1) }),
  z.object({
    kind: z.literal('weights'),
    algorithm: z.string().min(1),
    rationale: z.string().min(1),
    hyperparams: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ kind: z.literal('stop'), rationale: z.string().min(1) }),
]);

/** The flat answer an LLM gives (one tool input); kinds and algorithms allowed depend on the context. */
export function decisionAnswerSchema(mode: FeedbackContext['mode'], algorithms: string[]) {
  const kinds = mode === 'h' ? (['harness', 'stop'] as const) : (['harness', 'weights', 'stop'] as const);
  const algorithm = algorithms.length > 0 ? z.enum(algorithms as [string, ...string[]]) : z.string().min(1);
  return z.object({
    kind: z.enum(kinds).describe('harness: edit the scaffold; weights: RL update of the adapter; stop: nothing left'),
    rationale: z.string().min(1).describe('why, citing the trajectories or statistics'),
    operator: z.string().min(1).optional().describe('harness only: the edit operator, e.g. answer-parser, voting'),
    files: FileMap.optional().describe('harness only: changed or new files, path -> full new text'),
    entrySource: z.string().optional().describe('harness only: full new text of the entry file'),
    algorithm: algorithm.optional().describe('weights only: one of the allowed algorithms'),
    hyperparams: z.record(z.string(), z.unknown()).optional().describe('weights only: optional overrides'),
  });
}

export const ScaffoldAnswer = z.object({
  entry: z.string().min(1).describe('path of the entry file, which exports async solve(example, ctx)'),
  files: FileMap.describe('path -> full file text'),
  rationale: z.string().min(1),
});

/** JSON Schema for a tool's input (providers want a plain object schema without `$schema`). */
export function toolInputSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(answer)'}: ${issue.message}`).join('; ');
}

/** A model's answer as a value: a tool input object as is, text parsed as JSON (fenced or embedded in prose). */
export function answerToValue(answer: unknown): unknown {
  if (typeof answer !== 'string') return answer;
  const text = answer.trim();
  const candidates = [text, ...[...text.matchAll(/```(?:json)?\s*([\s\S]*?)```/g)].map((match) => match[1] ?? '')];
  const braced = firstBalancedObject(text);
  if (braced) candidates.push(braced);
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch {
      // try the next way of reading the text
    }
  }
  throw new ValidationError('no JSON object found in the answer; reply with one JSON object or call the tool', 'answer');
}

/** The first `{...}` span whose braces balance, skipping braces inside JSON strings. */
function firstBalancedObject(text: string): string | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth += 1;
    else if (char === '}' && --depth === 0) return text.slice(start, index + 1);
  }
  return null;
}

function checkPath(path: string): void {
  if (!path || path.startsWith('/') || path.split(/[\\/]/).includes('..') || /^[a-zA-Z]:/.test(path)) {
    throw new ValidationError(`"${path}" must be a relative path inside the scaffold`, `files.${path}`);
  }
}

/** Validates a Feedback-Agent answer against the context and turns it into the port's Decision. */
export function parseDecisionAnswer(answer: unknown, context: Pick<FeedbackContext, 'mode' | 'algorithms' | 'scaffold'>): Decision {
  const allowed = context.algorithms.map((algorithm) => algorithm.id);
  const parsed = decisionAnswerSchema(context.mode, allowed).safeParse(answerToValue(answer));
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error), 'decision');
  const value = parsed.data;
  if (value.kind === 'stop') return { kind: 'stop', rationale: value.rationale };
  if (value.kind === 'weights') {
    if (!value.algorithm) throw new ValidationError(`a weights decision names one of: ${allowed.join(', ') || 'any algorithm'}`, 'algorithm');
    return { kind: 'weights', algorithm: value.algorithm, rationale: value.rationale, ...(value.hyperparams ? { hyperparams: value.hyperparams } : {}) };
  }
  if (!value.operator) throw new ValidationError('a harness decision names its edit operator', 'operator');
  if (!value.files && value.entrySource === undefined) {
    throw new ValidationError('a harness decision gives `files` (path -> full text) or `entrySource`', 'files');
  }
  const scaffold = applyFileChanges(context.scaffold, value.files ?? {}, value.entrySource);
  return { kind: 'harness', scaffold, operator: value.operator, rationale: value.rationale };
}

function applyFileChanges(current: ScaffoldFiles, files: Record<string, string>, entrySource: string | undefined): ScaffoldFiles {
  Object.keys(files).forEach(checkPath);
  const next: ScaffoldFiles = { entry: current.entry, files: { ...current.files, ...files } };
  if (entrySource !== undefined) next.files[current.entry] = entrySource;
  const unchanged = Object.keys(next.files).every((path) => next.files[path] === current.files[path]);
  if (unchanged) throw new ValidationError('the harness edit changes no file of the scaffold', 'files');
  return next;
}

/** Validates a Meta-Agent answer: an entry file that exists among the files and exports `solve`. */
export function parseScaffoldAnswer(answer: unknown): { scaffold: ScaffoldFiles; rationale: string } {
  const parsed = ScaffoldAnswer.safeParse(answerToValue(answer));
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error), 'scaffold');
  const { entry, files, rationale } = parsed.data;
  Object.keys(files).forEach(checkPath);
  const source = files[entry];
  if (source === undefined) throw new ValidationError(`the entry "${entry}" is not among the files`, 'entry');
  if (!/\bsolve\b/.test(source)) throw new ValidationError(`the entry "${entry}" must export async function solve(example, ctx)`, 'entry');
  return { scaffold: { entry, files }, rationale };
}
