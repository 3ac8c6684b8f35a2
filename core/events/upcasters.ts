import { type EventType, SCHEMA_VERSIONS } from './index.ts';

/** Converts data of `type` stored at `fromVersion` to `fromVersion + 1`. Pure; never touches the stored row. */
export interface Upcaster {
  type: EventType;
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

export const UPCASTERS: Upcaster[] = [
  {
    // experiment.created v1 came before the one-stream layout: its runs' results live only on run streams.
    type: 'experiment.created',
    fromVersion: 1,
    upcast: (data) => ({ ...data, layout: 'legacy', startedAt: null }),
  },
  {
    // run.finished v1 had no usage or error count: runs then made no metered calls we could see.
    type: 'run.finished',
    fromVersion: 1,
    upcast: (data) => ({ errors: 0, usage: { promptTokens: 0, completionTokens: 0, costUsd: null }, ...data }),
  },
];

/** Brings stored data up to the current schema version of its type. */
export function upcast(type: EventType, version: number, data: unknown, upcasters = UPCASTERS): unknown {
  let current = data as Record<string, unknown>;
  for (let v = version; v < SCHEMA_VERSIONS[type]; v++) {
    const step = upcasters.find((u) => u.type === type && u.fromVersion === v);
    if (!step) throw new Error(`no upcaster for ${type} v${v}`);
    current = step.upcast(current);
  }
  return current;
}
