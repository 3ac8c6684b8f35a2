import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareLogprobs, parityThreshold } from '../core/audit/serving-parity.ts';
import type { EventData } from '../core/events/index.ts';
import type { AdapterRef } from '../core/ports/policy-model.ts';
import type { LoopContext } from './context.ts';
import type { ExperimentLog } from './experiment-log.ts';

/** Written by the torch worker next to the adapter (gpu/sia_worker/parity_probe.py). */
export const PROBE_FILE = 'parity_probe.json';

interface ParityProbe {
  dtype: string;
  sequences: Array<{ prompt_token_ids: number[]; completion_token_ids: number[]; logprobs: number[] }>;
}

/**
 * Once per adapter, when the loop first serves it from a policy server: the server scores the trainer's probe
 * tokens under the adapter and serving.parity_checked records how far they differ from the trainer's logprobs.
 * In-process policies serve nothing and record nothing; what cannot be measured is recorded as skipped, with why.
 * Replays pass no log, so they never re-measure (the recorded event stands).
 */
export async function checkServingParity(log: ExperimentLog, context: LoopContext, experimentId: string, adapter: AdapterRef | null): Promise<void> {
  const { policy } = context.stack;
  const serving = policy.serving;
  if (!adapter || !serving || log.state.parityChecked.includes(adapter.adapterId)) return;
  const base = { experimentId, adapterId: adapter.adapterId, servedName: serving.name, endpoint: serving.endpoint };
  const record = (data: EventData<'serving.parity_checked'>): void => {
    log.execute({ type: 'RecordServingParity', data });
  };
  const skip = (dtype: string | null, reason: string) =>
    record({ ...base, dtype, tokens: 0, maxAbsDiff: null, meanAbsDiff: null, threshold: parityThreshold(dtype), passed: null, skipped: reason });
  const probe = readProbe(adapter.dir);
  if (typeof probe === 'string') return skip(null, probe);
  if (!policy.scoreTokens) return skip(probe.dtype, `policy ${policy.id} cannot score token ids`);
  const served: number[] = [];
  const trained: number[] = [];
  try {
    for (const sequence of probe.sequences) {
      const scored = await policy.scoreTokens([...sequence.prompt_token_ids, ...sequence.completion_token_ids]);
      served.push(...(scored.slice(sequence.prompt_token_ids.length) as number[]));
      trained.push(...sequence.logprobs);
    }
  } catch (error) {
    return skip(probe.dtype, `the server did not score token ids: ${(error as Error).message}`);
  }
  record({ ...base, dtype: probe.dtype, ...compareLogprobs(served, trained, probe.dtype), skipped: null });
}

/** The probe, or why there is none (a trainer that writes none, an adapter on a remote volume). */
function readProbe(dir: string): ParityProbe | string {
  const file = join(dir, PROBE_FILE);
  if (!existsSync(file)) return `no ${PROBE_FILE} next to the adapter in ${dir} (its trainer wrote none, or it is not on this machine)`;
  try {
    const probe = JSON.parse(readFileSync(file, 'utf8')) as ParityProbe;
    if (!Array.isArray(probe.sequences)) throw new Error('no sequences');
    return probe;
  } catch (error) {
    return `${file} is unreadable: ${(error as Error).message}`;
  }
}
