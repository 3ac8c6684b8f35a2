import type { ScaffoldContext } from '../../core/ports/sandbox.ts';

type ChatRequest = Parameters<ScaffoldContext['llm']['chat']>[0];

/** An in-memory ScaffoldContext whose policy picks one guided-choice candidate by a rule; it records every request. */
export function fakeScaffoldContext(choose: (request: ChatRequest) => string, seed = 0) {
  const requests: ChatRequest[] = [];
  const logs: string[] = [];
  const context: ScaffoldContext = {
    llm: {
      chat: async (request) => {
        requests.push(request);
        if (!request.guidedChoice?.length) throw new Error('this fake policy only answers guided-choice requests');
        const content = choose(request);
        return { content, logprobs: [Math.log(1 / request.guidedChoice.length)] };
      },
    },
    log: (message) => logs.push(message),
    scratchDir: '/nonexistent-scratch',
    seed,
  };
  return { context, requests, logs };
}
