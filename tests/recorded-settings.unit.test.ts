import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { createInMemoryEventStore } from '../core/store/index.ts';
import type { SiaConfig } from '../loop/config.ts';
import { createExperimentLog, loadLoopState } from '../loop/experiment-log.ts';
import { recordedSession } from '../loop/recorded.ts';
import { resumeSettings } from '../loop/resume.ts';
import { DEFAULT_OPTIONS, type SessionSettings } from '../loop/session.ts';
import { readSettings, recordSettings } from '../loop/settings.ts';

const settings: SessionSettings = {
  task: 'gsm8k',
  mode: 'w+h',
  seed: 1,
  agents: 'openai',
  policy: 'tiny',
  trainer: 'tiny',
  // As a session records them: with the task's output limit in force (a log without one reads as 1 MiB).
  options: { ...DEFAULT_OPTIONS, limits: { ...DEFAULT_OPTIONS.limits, maxOutputJsonBytes: 2 * 1024 * 1024 } },
  algorithms: [],
};
const recordedConfig: SiaConfig = { openaiAgents: { model: 'gpt-small', baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'AGENTS_KEY' } };

function experimentWith(config: SiaConfig) {
  const store = createInMemoryEventStore();
  createExperimentLog(store, 'x').execute({
    type: 'CreateExperiment',
    data: {
      experimentId: 'x',
      task: { id: 'gsm8k', source: 'gsm8k', verifierHash: 'a'.repeat(64) },
      mode: 'w+h',
      seed: 1,
      config: recordSettings(settings, config),
      splitSizes: { train: 1, dev: 1, holdout: 1 },
      forkOf: null,
      startedAt: '2026-12-01T00:00:00.000Z',
      layout: 'one-stream',
    },
  });
  return store;
}

describe('recorded settings', () => {
  it('record the provider configuration (key variable names, never keys) and read back at v2', () => {
    const recorded = recordSettings(settings, { ...recordedConfig, agents: 'openai' });
    expect(recorded).toMatchObject({ version: 2, providers: recordedConfig });
    expect(recorded.providers).not.toHaveProperty('agents');
    expect(readSettings(recorded)).toEqual({ settings, providers: recordedConfig });
  });

  it('read v1 settings (no version, no providers) as settings without a provider configuration', () => {
    const { version: _version, providers: _providers, ...v1 } = recordSettings(settings, recordedConfig);
    expect(readSettings(v1)).toEqual({ settings, providers: null });
    expect(() => readSettings({ ...v1, mode: 'x' })).toThrow(ValidationError);
  });

  it("resume with the recorded providers; today's config on disk neither needed nor silently used", () => {
    const store = experimentWith(recordedConfig);
    expect(resumeSettings(store, 'x', {}, false).config).toMatchObject(recordedConfig);
    expect(resumeSettings(store, 'x', recordedConfig, false).config).toMatchObject(recordedConfig);
  });

  it('refuse a different provider config on resume unless --override, which is recorded', () => {
    const store = experimentWith(recordedConfig);
    const changed: SiaConfig = { openaiAgents: { model: 'gpt-large', baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'AGENTS_KEY' } };
    expect(() => resumeSettings(store, 'x', changed, false)).toThrow(/differs from the one experiment x recorded \(openaiAgents\)/);
    expect(store.read({ types: ['settings.overridden'] })).toHaveLength(0);

    expect(resumeSettings(store, 'x', changed, true).config).toMatchObject(changed);
    expect(store.read({ types: ['settings.overridden'] }).map((event) => event.data)).toEqual([expect.objectContaining({ changed: ['openaiAgents'] })]);
    // From now on the override is what the experiment recorded: fork and replay use it too.
    expect(recordedSession(loadLoopState(store, 'x'), {}).config).toMatchObject(changed);
    expect(resumeSettings(store, 'x', changed, false).config).toMatchObject(changed);
  });
});
