import { ValidationError } from '../core/errors.ts';
import type { Task } from '../core/ports/task.ts';
import { createAnthropicAgents } from '../plugins/providers/anthropic.ts';
import { createOfflineAgents } from '../plugins/providers/offline.ts';
import { createOpenAIAgents } from '../plugins/providers/openai-agents.ts';
import { createOpenAIPolicy } from '../plugins/providers/openai-policy.ts';
import { createTinyPolicy } from '../plugins/providers/tiny-policy.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import { createLocalTrainer } from '../plugins/trainers/local.ts';
import { createModalTrainer } from '../plugins/trainers/modal.ts';
import { createTinyTrainer } from '../plugins/trainers/tiny.ts';
import { TINY_BASE_MODEL } from '../core/tiny/model.ts';
import type { SiaConfig } from './config.ts';
import type { Stack } from './context.ts';

export interface StackChoice {
  agents: 'offline' | 'anthropic' | 'openai';
  policy: 'tiny' | 'openai';
  trainer: 'tiny' | 'modal' | 'local';
}

/** Builds the providers an experiment runs with; the embedded default needs no key, GPU or network. */
export function buildStack(choice: StackChoice, config: SiaConfig, task: Task, workDir: string, gatewayFetch?: typeof fetch): Stack {
  const agents =
    choice.agents === 'offline'
      ? createOfflineAgents({ knobs: task.knobs })
      : choice.agents === 'anthropic'
        ? createAnthropicAgents(config.anthropic ?? {})
        : createOpenAIAgents(required(config.openaiAgents, 'openaiAgents', '--agents openai'));
  const openaiPolicy = choice.policy === 'openai' ? required(config.openaiPolicy, 'openaiPolicy', '--policy openai') : null;
  const policy = openaiPolicy ? createOpenAIPolicy(openaiPolicy) : createTinyPolicy();
  const trainer =
    choice.trainer === 'tiny'
      ? createTinyTrainer()
      : choice.trainer === 'local'
        ? createLocalTrainer({ workDir, ...config.local })
        : createModalTrainer({ ...config.modal });
  return { meta: agents.meta, feedback: agents.feedback, policy, trainer, sandbox: createChildProcessSandbox({ gatewayFetch }), baseModel: openaiPolicy?.model ?? TINY_BASE_MODEL, names: { ...choice } };
}

function required<T>(value: T | undefined, key: string, flag: string): T {
  if (!value) throw new ValidationError(`${flag} needs "${key}" in sia.config.json (model, baseURL, apiKeyEnv)`, key);
  return value;
}
