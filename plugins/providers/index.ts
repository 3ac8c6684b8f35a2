import { ValidationError } from '../../core/errors.ts';
import type { FeedbackAgent, MetaAgent } from '../../core/ports/agents.ts';
import type { PolicyModel } from '../../core/ports/policy-model.ts';
import type { Task } from '../../core/ports/task.ts';
import type { SiaConfig } from '../../loop/config.ts';
import { createAnthropicAgents } from './anthropic.ts';
import { createOfflineAgents } from './offline.ts';
import { createOpenAIAgents } from './openai-agents.ts';
import { createOpenAIPolicy } from './openai-policy.ts';
import { createTinyPolicy } from './tiny-policy.ts';

/** Agent providers (Meta- and Feedback-Agent): the one list of their names; the registry below has one factory each. */
export const agentProviderNames = ['offline', 'anthropic', 'openai'] as const;
export type AgentProviderName = (typeof agentProviderNames)[number];
export const policyProviderNames = ['tiny', 'openai'] as const;
export type PolicyProviderName = (typeof policyProviderNames)[number];

type AgentFactory = (config: SiaConfig, task: Task) => { meta: MetaAgent; feedback: FeedbackAgent };
/** The policy, with the base model its adapters are trained on (null: the tiny model). */
type PolicyFactory = (config: SiaConfig) => { policy: PolicyModel; model: string | null };

export const agentProviders: Record<AgentProviderName, AgentFactory> = {
  offline: (_config: SiaConfig, task: Task) => createOfflineAgents({ knobs: task.knobs }),
  anthropic: (config: SiaConfig) => createAnthropicAgents(config.anthropic ?? {}),
  openai: (config: SiaConfig) => createOpenAIAgents(required(config.openaiAgents, 'openaiAgents', '--agents openai')),
};

export const policyProviders: Record<PolicyProviderName, PolicyFactory> = {
  tiny: () => ({ policy: createTinyPolicy(), model: null }),
  openai: (config: SiaConfig) => {
    const settings = required(config.openaiPolicy, 'openaiPolicy', '--policy openai');
    return { policy: createOpenAIPolicy(settings), model: settings.model };
  },
};

function required<T>(value: T | undefined, key: string, flag: string): T {
  if (!value) throw new ValidationError(`${flag} needs "${key}" in sia.config.json (model, baseURL, apiKeyEnv)`, key);
  return value;
}
