import type { ExampleView, ScaffoldFiles } from './task.ts';

/**
 * What a scaffold's `solve(example, ctx)` receives as ctx inside the sandbox. The scaffold reaches the
 * policy only through `ctx.llm.chat`: the sandbox's parent turns each call into an OpenAI chat-completions
 * request to the recording gateway (in process in the loop, over HTTP otherwise).
 *
 * @example
 * export async function solve(example, ctx) {
 *   const answer = await ctx.llm.chat({ messages: [{ role: 'user', content: example.input.question }], guidedChoice: ['A', 'B'] });
 *   return answer.content;
 * }
 */
export interface ScaffoldContext {
  llm: {
    chat(request: {
      messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
      guidedChoice?: string[];
      temperature?: number;
      maxTokens?: number;
    }): Promise<{ content: string; logprobs: number[] }>;
  };
  log(message: string): void;
  /** The only directory the scaffold may write to. */
  scratchDir: string;
  seed: number;
}

export interface SandboxLimits {
  /** Wall time for one example's solve(). */
  timeMsPerExample: number;
  /** Heap limit of the child process. */
  memoryMb: number;
  /** stdout+stderr bytes before the child is killed for flooding. */
  maxOutputBytes: number;
  /** Bytes of the JSON of one solve() output: the task's limit (core/sandbox-limits.ts); absent: 1 MiB. */
  maxOutputJsonBytes?: number;
}

export interface SandboxRunInput {
  runId: string;
  scaffold: ScaffoldFiles;
  examples: ExampleView[];
  /** Base URL of the OpenAI-compatible gateway, e.g. http://127.0.0.1:PORT/v1 */
  gatewayUrl: string;
  limits: SandboxLimits;
  seed: number;
  /**
   * The experiment's sandbox key (core/opaque.ts): the scaffold sees `opaqueId(key, id)` and `opaqueSeed(key, seed)`,
   * never the real id or seed; results come back under the real ids. A fresh random key when absent.
   */
  key?: string;
}

export type SandboxErrorKind = 'throw' | 'timeout' | 'memory' | 'output' | 'escape' | 'exit';

export interface SandboxResult {
  exampleId: string;
  /** What solve() returned (JSON-serialisable), or null on error. */
  output: unknown;
  error: { kind: SandboxErrorKind; message: string } | null;
  logs: string[];
  wallMs: number;
}

export interface Sandbox {
  /** The OS boundary the children run in (recorded in run.started): bubblewrap, unshare, or none when asked. */
  readonly isolation: 'bwrap' | 'unshare' | 'none';
  run(input: SandboxRunInput, onResult?: (result: SandboxResult) => void): Promise<SandboxResult[]>;
}
