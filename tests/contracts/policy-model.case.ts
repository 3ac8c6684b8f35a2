/** The contract every PolicyModel keeps: guided choice, logprobs, usage, seeds, adapters. */
import { describe, expect, it } from 'vitest';
import type { ChatRequest, PolicyModel } from '../../core/ports/policy-model.ts';
import { harnessRunner } from '../support/contract-harness.ts';

export interface PolicyHarness {
  policy: PolicyModel;
  /** Whether the same request with the same seed must give the same answer. */
  deterministicForSeed: boolean;
  close?: () => Promise<void>;
}

/** Every request the contract sends, in order (a cassette harness records answers for exactly these). */
export const POLICY_CONTRACT_REQUESTS: ChatRequest[] = [
  {
    model: 'policy',
    messages: [
      { role: 'system', content: 'Answer with the charge only.' },
      { role: 'user', content: 'Facts: the defendant took a phone from a shop without paying. Charge:' },
    ],
    guidedChoice: ['theft', 'fraud', 'robbery', 'embezzlement'],
    temperature: 1,
    logprobs: true,
    seed: 7,
  },
  {
    model: 'policy',
    messages: [{ role: 'user', content: 'Is 17 prime? Answer yes or no.' }],
    guidedChoice: ['yes', 'no'],
    temperature: 1,
    logprobs: true,
    seed: 11,
  },
];

export function policyModelContract(name: string, setup: () => Promise<PolicyHarness>): void {
  describe(`policy model contract: ${name}`, () => {
    const withHarness = harnessRunner(name, setup);

    it(
      'declares guided choice and logprobs support',
      withHarness(async ({ policy }) => {
        expect(policy.flags.guidedChoice).toBe(true);
        expect(policy.flags.logprobs).toBe(true);
        expect(policy.id.length).toBeGreaterThan(0);
      }),
    );

    it(
      'answers a guided request with one of the candidates, with logprobs <= 0 and usage',
      withHarness(async ({ policy }) => {
        for (const request of POLICY_CONTRACT_REQUESTS) {
          const response = await policy.chat(request);
          expect(request.guidedChoice).toContain(response.content);
          expect(response.logprobs.length).toBeGreaterThan(0);
          for (const logprob of response.logprobs) expect(logprob).toBeLessThanOrEqual(0);
          expect(Number.isInteger(response.usage.promptTokens) && response.usage.promptTokens > 0).toBe(true);
          expect(Number.isInteger(response.usage.completionTokens) && response.usage.completionTokens > 0).toBe(true);
          for (const id of response.tokenIds) expect(Number.isInteger(id) && id >= 0).toBe(true);
        }
      }),
    );

    it(
      'gives the same answer twice for the same seed where the provider is deterministic',
      withHarness(async ({ policy, deterministicForSeed }, skip) => {
        if (!deterministicForSeed) return skip('not deterministic for a seed');
        const request = POLICY_CONTRACT_REQUESTS[0] as ChatRequest;
        const first = await policy.chat(request);
        const second = await policy.chat(request);
        expect(second.content).toBe(first.content);
        expect(second.logprobs).toEqual(first.logprobs);
        expect(second.tokenIds).toEqual(first.tokenIds);
      }),
    );

    it(
      'starts on base weights and can switch back to them',
      withHarness(async ({ policy }) => {
        expect(policy.adapterId).toBeNull();
        await policy.useAdapter(null);
        expect(policy.adapterId).toBeNull();
      }),
    );
  });
}
