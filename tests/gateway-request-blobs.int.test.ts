import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../core/errors.ts';
import { openSqliteEventStore } from '../core/store/index.ts';
import { createLoopGateway } from '../gateway/loop-gateway.ts';
import { createRequestReader } from '../gateway/request-blobs.ts';
import { createCassettePolicy } from '../plugins/providers/cassette.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';

/** Long request parts recorded once as blobs, read back exactly: by replay, by cassettes, by rollouts. */
const charges = Array.from({ length: 202 }, (_, i) => `charge number ${i} of the criminal law`);
const facts = (i: number) => `Case facts ${i}: ${'the defendant took a bicycle from the yard at night. '.repeat(12)}`;
const shortChoices = ['3', '4'];

function recordCalls() {
  const store = openSqliteEventStore(join(mkdtempSync(join(tmpdir(), 'sia-blobs-')), 'sia.db'));
  const policy = createTinyPolicy();
  const gateway = createLoopGateway(store, () => policy);
  gateway.runs.open('r');
  return { store, policy, gateway };
}

const call = (i: number, guided: string[]) => ({
  model: 'policy',
  messages: [
    { role: 'system', content: 'Pick the charge.' },
    { role: 'user', content: facts(i) },
  ],
  guided_choice: guided,
  logprobs: true,
});
const llmSteps = (store: ReturnType<typeof recordCalls>['store']) =>
  store.read({ streamId: 'run-r' }).flatMap((event) => (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call' ? [event.data.step] : []));

describe('request parts as content-addressed blobs', () => {
  it('stores a repeated candidate list and a long prompt once, and reads every step back exactly as sent', async () => {
    const { store, gateway } = recordCalls();
    const answers = [];
    for (const i of [0, 1, 0]) answers.push(await gateway.complete('r', `e${i}`, call(i, charges)));
    await gateway.complete('r', 'short', { model: 'policy', messages: [{ role: 'user', content: '2+2?' }], guided_choice: shortChoices });
    gateway.runs.close('r');

    const steps = llmSteps(store);
    expect(steps[0]!.request.guidedChoice).toEqual({ blob: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(steps[1]!.request.guidedChoice).toEqual(steps[0]!.request.guidedChoice);
    expect(steps[2]!.request.messages).toEqual(steps[0]!.request.messages);
    expect(steps[1]!.request.messages).not.toEqual(steps[0]!.request.messages);
    expect(steps[3]!.request).toMatchObject({ messages: [{ role: 'user', content: '2+2?' }], guidedChoice: shortChoices });
    const blobs = store.database.prepare('SELECT count(*) FROM blobs').pluck().get();
    expect(blobs).toBe(3); // the candidate list and two distinct prompts

    const inline = createRequestReader(store);
    const read = steps.map(inline);
    expect(read.slice(0, 3).map((step) => step.request.guidedChoice)).toEqual([charges, charges, charges]);
    expect(read.map((step) => step.request.messages[1]?.content ?? step.request.messages[0]!.content)).toEqual([facts(0), facts(1), facts(0), '2+2?']);
    expect(store.verify().ok).toBe(true);

    // A cassette made of the steps answers the same requests with the recorded completions, in order.
    const cassette = createCassettePolicy(read);
    for (const [k, i] of [0, 1, 0].entries()) {
      const replayed = await cassette.chat({ model: 'policy', messages: call(i, charges).messages as never, guidedChoice: charges });
      expect(replayed.content).toBe((answers[k]!.body as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content);
    }
    store.close();
  });

  it('names a missing or malformed blob as an integrity error instead of replaying something else', () => {
    const { store } = recordCalls();
    const inline = createRequestReader(store);
    const step = {
      kind: 'llm_call' as const,
      model: 'policy',
      completion: 'x',
      tokenIds: [0],
      logprobs: [-0.1],
      latencyMs: 1,
      usage: { promptTokens: 1, completionTokens: 1, costUsd: null },
    };
    expect(() => inline({ ...step, request: { messages: { blob: 'a'.repeat(64) }, guidedChoice: null, temperature: 0 } })).toThrow(IntegrityError);
    const notMessages = store.putBlob(JSON.stringify({ hello: 'world' }));
    expect(() => inline({ ...step, request: { messages: { blob: notMessages }, guidedChoice: null, temperature: 0 } })).toThrow(/not a messages list/);
    store.close();
  });
});
