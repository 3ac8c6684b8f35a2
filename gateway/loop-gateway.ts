import type { EventStore } from '../core/ports/event-store.ts';
import type { PolicyModel } from '../core/ports/policy-model.ts';
import { createChatCompletions } from './chat-completions.ts';
import { createRunRegistry } from './run-registry.ts';

/**
 * The address the loop hands the sandbox port: the sandbox's parent calls `complete` in this process, so there
 * is no listener. `.invalid` never resolves (RFC 2606), so anything that tried HTTP to it would fail closed.
 */
export const IN_PROCESS_GATEWAY_URL = 'http://in-process.sia.invalid/v1';

/** The recording gateway as the loop uses it: its run registry and the chat completion, without HTTP. */
export function createLoopGateway(store: EventStore, policy: () => PolicyModel) {
  const runs = createRunRegistry(store);
  return { url: IN_PROCESS_GATEWAY_URL, runs, complete: createChatCompletions({ policy, runs }) };
}
export type LoopGateway = ReturnType<typeof createLoopGateway>;
