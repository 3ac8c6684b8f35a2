import { NotFoundError } from '../core/errors.ts';
import type { StoredEvent } from '../core/events/index.ts';
import type { LoopState } from '../core/loop/state.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { SiaConfig } from './config.ts';
import type { Stack } from './context.ts';
import { type OpenSession, openSession, type SessionSettings } from './session.ts';
import { readSettings } from './settings.ts';

/** The experiment a node belongs to, from the event that created the node. */
export function experimentOfNode(store: EventStore, nodeId: string): string {
  for (const event of store.iterate({ types: ['scaffold.proposed', 'weights.checkpointed'] })) {
    if ((event.type === 'scaffold.proposed' || event.type === 'weights.checkpointed') && event.data.nodeId === nodeId) return event.data.experimentId;
  }
  throw new NotFoundError(`no node ${nodeId} in this log`, { hint: 'list nodes with `sia lineage EXPERIMENT`' });
}

/**
 * The session an experiment recorded: its settings and the provider configuration it ran with (a log from
 * before settings v2 recorded none, and then `fallback`, today's sia.config.json, is used).
 */
export function recordedSession(state: LoopState, fallback: SiaConfig): { settings: SessionSettings; config: SiaConfig } {
  const { settings, providers } = readSettings(state.config);
  return { settings, config: providers ? { ...providers, agents: settings.agents, policy: settings.policy, trainer: settings.trainer } : fallback };
}

/** Opens a session with the settings an experiment recorded (same task, seed, providers and options). */
export function openRecordedSession(input: {
  store: EventStore;
  dbFile: string;
  config: SiaConfig;
  state: LoopState;
  stackOverrides?: Partial<Stack>;
  onProgress?: (line: string) => void;
}): Promise<OpenSession> {
  return openSession({
    store: input.store,
    dbFile: input.dbFile,
    ...recordedSession(input.state, input.config),
    stackOverrides: input.stackOverrides,
    onProgress: input.onProgress,
  });
}

/** Every event of one run's stream. */
export const runEvents = (store: EventStore, runId: string): StoredEvent[] => store.read({ streamId: `run-${runId}` });
