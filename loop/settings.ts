import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import type { SandboxLimits } from '../core/ports/sandbox.ts';
import type { Task } from '../core/ports/task.ts';
import { DEFAULT_MAX_OUTPUT_JSON_BYTES, taskOutputLimit } from '../core/sandbox-limits.ts';
import { agentProviderNames, policyProviderNames } from '../plugins/providers/index.ts';
import { ISOLATION_CHOICES, type IsolationChoice } from '../plugins/sandbox/isolation.ts';
import { trainerNames } from '../plugins/trainers/index.ts';
import { SiaConfig } from './config.ts';
import type { SessionSettings } from './session.ts';

/** The provider part of sia.config.json: models, base URLs and key variable NAMES (never a key). */
export const ProviderConfig = SiaConfig.omit({ agents: true, policy: true, trainer: true });
export type ProviderConfig = z.infer<typeof ProviderConfig>;

const Options = z.object({
  iterations: z.number().int().positive(),
  groupSize: z.number().int().positive(),
  gate: z.object({ confidence: z.number(), resamples: z.number().int().positive(), seed: z.number().int(), minimumGain: z.number() }),
  limits: z.object({
    timeMsPerExample: z.number(),
    memoryMb: z.number(),
    maxOutputBytes: z.number(),
    // The task's output limit in force; logs from before tasks declared one ran under the fixed 1 MiB.
    maxOutputJsonBytes: z.number().int().positive().default(DEFAULT_MAX_OUTPUT_JSON_BYTES),
  }),
  budgets: z.object({ maxTokens: z.number().nullable(), maxWallMs: z.number().nullable() }),
  training: z.object({ lr: z.number(), epochs: z.number(), rank: z.number() }),
  algorithmOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

const SettingsV1 = z.object({
  task: z.string(),
  mode: z.enum(['h', 'w+h']),
  seed: z.number().int(),
  agents: z.enum(agentProviderNames),
  policy: z.enum(policyProviderNames),
  trainer: z.enum(trainerNames),
  options: Options,
  algorithms: z.array(z.string()).optional(),
  /** The OS sandbox for scaffolds; absent in logs from before it (auto). */
  sandbox: z.enum(ISOLATION_CHOICES as [IsolationChoice, ...IsolationChoice[]]).optional(),
  /** The experiment's sandbox key (core/opaque.ts); absent in logs from before it (then the empty key). */
  sandboxKey: z.string().optional(),
});

/** v2 adds the provider configuration, so resume, fork and replay rebuild the same providers. */
export const RecordedSettings = SettingsV1.extend({ version: z.literal(2), providers: ProviderConfig });
export type RecordedSettings = z.infer<typeof RecordedSettings>;

/** The provider part of a config (the choices of agents, policy and trainer are session settings). */
export function providersOf(config: SiaConfig): ProviderConfig {
  const { agents: _agents, policy: _policy, trainer: _trainer, ...providers } = config;
  return providers;
}

/** What experiment.created.config holds for a session (and a settings.overridden replaces). */
export function recordSettings(settings: SessionSettings, config: SiaConfig): RecordedSettings {
  return RecordedSettings.parse({ ...settings, version: 2, providers: providersOf(config) });
}

/**
 * Reads recorded settings at any version. v1 (no `version`) recorded no provider configuration: `providers` is
 * then null and the caller falls back to today's sia.config.json.
 */
export function readSettings(raw: Record<string, unknown>): { settings: SessionSettings; providers: ProviderConfig | null } {
  const parsed = raw.version === 2 ? RecordedSettings.safeParse(raw) : SettingsV1.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`the experiment's recorded settings do not parse: ${issue.message}`, `experiment.created.config.${issue.path.join('.')}`);
  }
  const { version: _version, providers, ...settings } = parsed.data as RecordedSettings;
  return { settings, providers: providers ?? null };
}

/**
 * The sandbox limits a session runs under: a new experiment takes the task's output limit; a resumed or forked one
 * keeps the limit it recorded (1 MiB for logs from before tasks declared one). The task's declaration is checked
 * either way, so a broken task plugin is named before anything runs.
 */
export function limitsFor(limits: SandboxLimits, task: Pick<Task, 'id' | 'limits'>): SandboxLimits & { maxOutputJsonBytes: number } {
  const declared = taskOutputLimit(task);
  return { ...limits, maxOutputJsonBytes: limits.maxOutputJsonBytes ?? declared };
}

/** Top-level provider keys whose recorded and given values differ (what an --override changes). */
export function changedProviders(recorded: ProviderConfig, given: ProviderConfig): string[] {
  const keys = new Set([...Object.keys(recorded), ...Object.keys(given)]);
  return [...keys]
    .filter((key) => JSON.stringify(recorded[key as keyof ProviderConfig] ?? null) !== JSON.stringify(given[key as keyof ProviderConfig] ?? null))
    .sort();
}
