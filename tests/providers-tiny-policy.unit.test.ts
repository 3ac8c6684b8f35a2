import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { policyModelContract } from './contracts/policy-model.case.ts';

policyModelContract('tiny in-process policy', async () => ({ policy: createTinyPolicy(), deterministicForSeed: true }));
