/**
 * Messages between the sandbox parent and runner.mjs, one JSON object a line: parent → child on the child's
 * stdin, child → parent on the child's fd 3. Not Node's IPC channel: a scaffold can write raw bytes to any
 * inherited fd, and malformed bytes on Node's IPC fd throw an uncaught exception in the parent. Everything the
 * child sends is untrusted, so the parent parses each line itself, checks it with these schemas and only acts on
 * messages about the example it has in flight.
 */
import { z } from 'zod';
import type { ExampleView } from '../../core/ports/task.ts';

export const SandboxErrorKindSchema = z.enum(['throw', 'timeout', 'memory', 'output', 'escape', 'exit']);

/** The request a scaffold passes to ctx.llm.chat (ScaffoldContext), as the parent accepts it. */
export const ScaffoldChatRequestSchema = z.object({
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  guidedChoice: z.array(z.string()).min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
});
export type ScaffoldChatRequest = z.infer<typeof ScaffoldChatRequestSchema>;

export const ChildMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('load_error'), kind: SandboxErrorKindSchema, message: z.string() }),
  z.object({ type: z.literal('log'), exampleId: z.string(), message: z.string() }),
  // The request is checked on its own so a bad one is answered with an error naming the field.
  z.object({ type: z.literal('chat'), callId: z.number().int(), exampleId: z.string(), request: z.unknown() }),
  // `stale`: solve left timers or immediates behind that could fire during the next example: the parent recycles the child.
  z.object({ type: z.literal('result'), exampleId: z.string(), output: z.unknown(), stale: z.boolean().optional() }),
  z.object({ type: z.literal('failure'), exampleId: z.string(), kind: SandboxErrorKindSchema, message: z.string() }),
  z.object({ type: z.literal('fatal'), kind: SandboxErrorKindSchema, message: z.string() }),
]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;

export type ParentMessage =
  | { type: 'solve'; example: ExampleView }
  | { type: 'chat_result'; callId: number; ok: true; value: { content: string; logprobs: number[] } }
  | { type: 'chat_result'; callId: number; ok: false; message: string };

/** The child's fd that carries its messages to the parent (stdio[3]). */
export const CONTROL_FD = 3;

/** runner.mjs exits with this when the scaffold logs past maxOutputBytes. */
export const OUTPUT_FLOOD_EXIT_CODE = 71;

/** What runner.mjs reads from its first argument. */
export interface RunnerConfig {
  scaffoldDir: string;
  entry: string;
  scratchDir: string;
  seed: number;
  maxOutputJsonBytes: number;
  /** Per-example budget for ctx.log and console output (the parent also counts stdout and stderr). */
  maxOutputBytes: number;
}
