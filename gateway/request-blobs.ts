import type { z } from 'zod';
import { IntegrityError } from '../core/errors.ts';
import { type LlmCallStep, RecordedChoices, RecordedMessages } from '../core/events/run.ts';
import type { EventStore } from '../core/ports/event-store.ts';

type StoredLlmCall = z.infer<typeof LlmCallStep>;
type StoredRequest = StoredLlmCall['request'];
/** A recorded request with every part inline, as the policy saw it. */
export interface InlineRequest {
  messages: z.infer<typeof RecordedMessages>;
  guidedChoice: string[] | null;
  temperature: number | null;
}
/** A recorded `llm_call` step with its request inline: what replay, cassettes and rollouts read. */
export type InlineLlmCall = Omit<StoredLlmCall, 'request'> & { request: InlineRequest };

/** Parts whose JSON is shorter stay inline: a blob reference (~76 bytes) would not save anything. */
const INLINE_MAX_CHARS = 256;
/** Distinct parts remembered per process; beyond it the memo restarts (storing again is idempotent). */
const MEMO_SIZE = 4096;

/**
 * Turns a request into its stored form: long messages and candidate lists become blobs named by the sha256 of
 * their JSON, written once. The memo skips hashing a part this process already stored, and the candidate list a
 * run repeats on every call is recognised item by item without serialising it again.
 */
export function createRequestBlobs(store: Pick<EventStore, 'putBlob'>) {
  const stored = new Map<string, string>();
  let lastChoices: { items: string[]; ref: string[] | { blob: string } } | null = null;
  const part = <T>(value: T): T | { blob: string } => {
    const json = JSON.stringify(value);
    if (json.length < INLINE_MAX_CHARS) return value;
    let sha = stored.get(json);
    if (sha === undefined) {
      if (stored.size >= MEMO_SIZE) stored.clear();
      sha = store.putBlob(json);
      stored.set(json, sha);
    }
    return { blob: sha };
  };
  const choices = (items: string[]) => {
    if (lastChoices && lastChoices.items.length === items.length && lastChoices.items.every((item, i) => item === items[i])) return lastChoices.ref;
    lastChoices = { items, ref: part(items) };
    return lastChoices.ref;
  };
  return (request: InlineRequest): StoredRequest => ({
    messages: part(request.messages),
    guidedChoice: request.guidedChoice && choices(request.guidedChoice),
    temperature: request.temperature,
  });
}

/** Reads stored requests back inline, each blob parsed once per reader. */
export function createRequestReader(store: Pick<EventStore, 'getBlobText'>) {
  const parsed = new Map<string, unknown>();
  const part = <T>(value: T | { blob: string }, schema: z.ZodType<T>, what: string): T => {
    if (!value || typeof value !== 'object' || !('blob' in value)) return value as T;
    let known = parsed.get(value.blob);
    if (known === undefined) {
      const text = store.getBlobText(value.blob);
      if (text === null)
        throw new IntegrityError(`recorded ${what} blob ${value.blob} is missing from the log`, undefined, {
          hint: 'the database was copied without its blobs table; run sia verify',
        });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const result = schema.safeParse(json);
      if (!result.success) throw new IntegrityError(`recorded ${what} blob ${value.blob} is not a ${what} list`);
      known = result.data;
      parsed.set(value.blob, known);
    }
    return known as T;
  };
  return (step: StoredLlmCall): InlineLlmCall => ({
    ...step,
    request: {
      messages: part(step.request.messages, RecordedMessages, 'messages'),
      guidedChoice: step.request.guidedChoice && part(step.request.guidedChoice, RecordedChoices, 'guided choice'),
      temperature: step.request.temperature,
    },
  });
}
