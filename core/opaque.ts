/**
 * What the sandbox may know of an item: an id and a seed that say nothing about the split, the purpose (audit,
 * canary, rollout) or a perturbation. Both are an HMAC under the experiment's sandbox key, a secret recorded with
 * the experiment's settings (so resume, fork and replay see the same ids) and never sent into the sandbox. The
 * verifiers' secret data (trimul's input seeds) is keyed by it too, so it cannot be recomputed from public seeds.
 */
import { createHmac } from 'node:crypto';

const mac = (key: string, message: string) => createHmac('sha256', key).update(message).digest();

/** The id a scaffold sees for an example: stable within an experiment, unlinkable to the real id without the key. */
export const opaqueId = (key: string, id: string): string => `item-${mac(key, `id:${id}`).toString('hex').slice(0, 16)}`;

/** A 32-bit seed keyed by the sandbox key: ctx.seed, and the seed of a task's secret data. */
export const opaqueSeed = (key: string, seed: number | string): number => mac(key, `seed:${seed}`).readUInt32LE(0);
