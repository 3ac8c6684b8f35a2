/**
 * Replays recorded model answers instead of calling a model: the policy answers from `llm_call` steps of a recorded
 * run (`sia replay --cassette`), the agents from recorded decisions. Requests are matched by their canonical form
 * (messages + guided choice); each request key keeps a queue, so repeated identical requests replay in order.
 */
import { NotFoundError } from '../../core/errors.ts';
import { canonicalJson, sha256Hex } from '../../core/hashing.ts';
import type { Decision, FeedbackAgent, MetaAgent } from '../../core/ports/agents.ts';
import type { ChatMessage, ChatRequest, ChatResponse, PolicyModel } from '../../core/ports/policy-model.ts';
import type { ScaffoldFiles } from '../../core/ports/task.ts';
import type { InlineLlmCall } from '../../gateway/request-blobs.ts';

/** A recorded step with its request inline (blobs already read): what the cassette matches on. */
export type RecordedLlmCall = InlineLlmCall;

/** The part of a request that decides the answer, as one string: the cassette's key. */
export function cassetteKey(request: { messages: Array<{ role: string; content: string }>; guidedChoice?: string[] | null }): string {
  const guidedChoice = request.guidedChoice?.length ? request.guidedChoice : null;
  return canonicalJson({ messages: request.messages.map(({ role, content }) => ({ role, content })), guidedChoice });
}

function describeRequest(request: ChatRequest): string {
  const last: ChatMessage | undefined = request.messages[request.messages.length - 1];
  const text = last ? `${last.role}: "${last.content.slice(0, 160)}${last.content.length > 160 ? '…' : ''}"` : 'no messages';
  const choices = request.guidedChoice?.length ? `, ${request.guidedChoice.length} guided choices` : '';
  return `${request.messages.length} messages, last ${text}${choices} (key sha256 ${sha256Hex(cassetteKey(request)).slice(0, 12)})`;
}

export function createCassettePolicy(steps: RecordedLlmCall[]): PolicyModel {
  const queues = new Map<string, RecordedLlmCall[]>();
  for (const step of steps) {
    const key = cassetteKey(step.request);
    queues.set(key, [...(queues.get(key) ?? []), step]);
  }
  const recordedCount = new Map([...queues].map(([key, queue]) => [key, queue.length]));
  let adapterId: string | null = null;
  return {
    id: 'cassette',
    flags: { guidedChoice: true, freeText: true, logprobs: true },
    get adapterId() {
      return adapterId;
    },
    // The recording already reflects whichever adapter served it; only the id is tracked.
    async useAdapter(adapter) {
      adapterId = adapter?.adapterId ?? null;
    },
    async chat(request): Promise<ChatResponse> {
      const key = cassetteKey(request);
      const queue = queues.get(key);
      if (!queue) {
        throw new NotFoundError(`cassette has no recorded llm_call for the request: ${describeRequest(request)}`, {
          hint: 'a cassette replays only what the recorded run asked; replay live to query the model',
        });
      }
      const step = queue.shift();
      if (!step) {
        throw new NotFoundError(`cassette already replayed all ${recordedCount.get(key)} recorded answers for the request: ${describeRequest(request)}`);
      }
      return {
        content: step.completion,
        tokenIds: [...step.tokenIds],
        logprobs: [...step.logprobs],
        usage: { promptTokens: step.usage.promptTokens, completionTokens: step.usage.completionTokens },
        model: step.model,
      };
    },
  };
}

export interface RecordedDecisions {
  /** The scaffold the Meta-Agent wrote in the recording; without it the reference is returned. */
  metaScaffold?: ScaffoldFiles;
  /** Feedback decisions in the order they were made. */
  decisions: Decision[];
}

export function createCassetteAgents(recorded: RecordedDecisions): { meta: MetaAgent; feedback: FeedbackAgent } {
  const pending = [...recorded.decisions];
  const free = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
  return {
    meta: {
      id: 'cassette:meta',
      async writeScaffold({ reference }) {
        const scaffold = recorded.metaScaffold ?? reference;
        return { scaffold, rationale: 'Replayed from a recording.', promptHash: null, usage: free };
      },
    },
    feedback: {
      id: 'cassette:feedback',
      async decide(context) {
        const decision = pending.shift();
        if (!decision) {
          throw new NotFoundError(`cassette has no recorded decision left for iteration ${context.iteration} (${recorded.decisions.length} recorded)`);
        }
        return { decision, promptHash: null, usage: free, attempts: 1 };
      },
    },
  };
}
