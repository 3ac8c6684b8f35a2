import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { policyModelContract } from './contracts/policy-model.case.ts';

// The tiny policy is another engineer's plugin; the shared contract runs on it whenever it is present.
const tinyPolicyFile = new URL('../plugins/providers/tiny-policy.ts', import.meta.url);

if (existsSync(tinyPolicyFile)) {
  policyModelContract('tiny in-process policy', async () => {
    const { createTinyPolicy } = (await import(tinyPolicyFile.href)) as typeof import('../plugins/providers/tiny-policy.ts');
    return { policy: createTinyPolicy(), deterministicForSeed: true };
  });
} else {
  const reason = 'plugins/providers/tiny-policy.ts does not exist yet';
  console.info(`[tiny policy contract] skipped: ${reason}`);
  describe.skip(`policy model contract: tiny in-process policy (${reason})`, () => it('runs the contract', () => undefined));
}
