import { IllegalStateError, ValidationError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { SiaConfig } from './config.ts';
import { createExperimentLog } from './experiment-log.ts';
import { recordedSession } from './recorded.ts';
import type { SessionSettings } from './session.ts';
import { changedProviders, providersOf, recordSettings } from './settings.ts';

/**
 * The session `sia run --resume` continues with: the recorded one. A provider config on disk that differs from
 * the recorded one is refused, unless `override` is set, and then the change is recorded (settings.overridden)
 * before anything runs with it.
 */
export function resumeSettings(store: EventStore, experimentId: string, given: SiaConfig, override: boolean): { settings: SessionSettings; config: SiaConfig } {
  const log = createExperimentLog(store, experimentId);
  if (log.state.status === 'empty') throw new ValidationError(`no experiment ${experimentId} in this log`, '--resume');
  if (log.state.status === 'finished')
    throw new IllegalStateError(`experiment ${experimentId} has finished`, { hint: 'continue from one of its nodes with `sia fork NODE`' });
  const recorded = recordedSession(log.state, given);
  if (log.state.config.version !== 2) return recorded;
  const givenProviders = providersOf(given);
  // No provider config here (another folder, no sia.config.json): the recorded one is simply used.
  if (Object.keys(givenProviders).length === 0) return recorded;
  const changed = changedProviders(providersOf(recorded.config), givenProviders);
  if (changed.length === 0) return recorded;
  if (!override) {
    throw new ValidationError(`the provider config differs from the one experiment ${experimentId} recorded (${changed.join(', ')})`, '--config', {
      hint: 'resume with the recorded config (move sia.config.json aside), or pass --override to continue with this one',
    });
  }
  const config = { ...given, agents: recorded.settings.agents, policy: recorded.settings.policy, trainer: recorded.settings.trainer };
  log.execute({ type: 'OverrideSettings', data: { experimentId, settings: recordSettings(recorded.settings, config), changed } });
  return { settings: recorded.settings, config };
}
