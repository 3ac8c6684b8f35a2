/** What a scripted chat model answers next: a tool call with this input, or plain text. */
export type ScriptedReply = { kind: 'tool'; input: unknown } | { kind: 'text'; text: string };

export interface RecordedRequest {
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Rough token count for usage figures: whitespace-separated words of everything the request carries. */
export function roughTokens(value: unknown): number {
  return (JSON.stringify(value) ?? '').split(/\s+|(?<=[{}[\]":,])/).filter(Boolean).length;
}
