/**
 * How a guided-choice request is seen by the tiny policy, shared by the provider (serving) and the trainer (rows),
 * so the prompt a row was sampled from is the prompt it is trained on.
 */
import { ValidationError } from '../errors.ts';
import type { ChatMessage } from '../ports/policy-model.ts';

export interface ChoiceContext {
  prompt: string;
  candidates: string[];
  /** The sampling temperature the row's logprobs were taken at (1 when absent). */
  temperature: number;
}

/** The prompt text is every message's content, in order, with its role: system prompts are features too. */
export function chatPromptText(messages: readonly ChatMessage[]): string {
  return messages.map((message) => `${message.role}: ${message.content}`).join('\n');
}

/**
 * Reads a row's `context`: `{ prompt: string, candidates: string[] }` or `{ messages: ChatMessage[], candidates }`,
 * optionally `temperature`.
 */
export function parseChoiceContext(context: Record<string, unknown> | undefined, field: string): ChoiceContext {
  if (!context) throw new ValidationError('is missing; the tiny trainer needs { prompt or messages, candidates }', field);
  const { prompt, messages, candidates, temperature } = context;
  if (!Array.isArray(candidates) || candidates.length === 0 || !candidates.every((c) => typeof c === 'string')) {
    throw new ValidationError('must be a non-empty array of strings', `${field}.candidates`);
  }
  let text: string;
  if (typeof prompt === 'string') text = prompt;
  else if (Array.isArray(messages) && messages.every(isChatMessage)) text = chatPromptText(messages);
  else throw new ValidationError('needs a string `prompt` or `messages` [{ role, content }]', `${field}.prompt`);
  if (temperature !== undefined && temperature !== null && !(typeof temperature === 'number' && temperature > 0)) {
    throw new ValidationError('must be a positive number', `${field}.temperature`);
  }
  return { prompt: text, candidates: candidates as string[], temperature: typeof temperature === 'number' ? temperature : 1 };
}

function isChatMessage(value: unknown): value is ChatMessage {
  const message = value as ChatMessage;
  return typeof message === 'object' && message !== null && typeof message.content === 'string' && ['system', 'user', 'assistant'].includes(message.role);
}

/** The chosen candidate of a one-token row; `field` names the row in errors. */
export function chosenIndex(tokens: readonly number[], candidateCount: number, field: string): number {
  if (tokens.length !== 1) throw new ValidationError(`must hold exactly one token (the chosen candidate's index), got ${tokens.length}`, `${field}.tokens`);
  const index = tokens[0];
  if (!Number.isInteger(index) || index < 0 || index >= candidateCount) {
    throw new ValidationError(`index ${index} is outside the ${candidateCount} candidates`, `${field}.tokens`);
  }
  return index;
}
