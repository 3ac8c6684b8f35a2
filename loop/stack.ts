import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../core/errors.ts';
import type { Task } from '../core/ports/task.ts';
import { TINY_BASE_MODEL } from '../core/tiny/model.ts';
import { type AgentProviderName, agentProviders, type PolicyProviderName, policyProviders } from '../plugins/providers/index.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import type { DirectGatewayCall } from '../plugins/sandbox/gateway-client.ts';
import type { IsolationChoice } from '../plugins/sandbox/isolation.ts';
import { type TrainerName, trainers } from '../plugins/trainers/index.ts';
import type { ModalClientLike } from '../plugins/trainers/modal.ts';
import type { SiaConfig } from './config.ts';
import type { AdapterLocations, Stack } from './context.ts';

export interface StackChoice {
  agents: AgentProviderName;
  policy: PolicyProviderName;
  trainer: TrainerName;
  /** With `h` the trainer never runs, so any policy/trainer pair is allowed. */
  mode?: 'h' | 'w+h';
  /** The OS sandbox for scaffolds (plugins/sandbox/isolation.ts); auto when absent (logs from before it). */
  sandbox?: IsolationChoice;
}

export interface StackOptions {
  /** The in-process gateway's fetch, handed to the sandbox. */
  gatewayCall?: DirectGatewayCall;
  /** A Modal client to use instead of the real SDK (tests pass an in-memory fake; never read from config files). */
  modalClient?: ModalClientLike;
}

/** Builds the providers an experiment runs with; the embedded default needs no key, GPU or network. */
export function buildStack(choice: StackChoice, config: SiaConfig, task: Task, workDir: string, options: StackOptions = {}): Stack {
  checkPolicyFitsTrainer(choice);
  const agents = agentProviders[choice.agents](config, task);
  const { policy, model } = policyProviders[choice.policy](config);
  const trainer = trainers[choice.trainer]({ config, workDir, modalClient: options.modalClient });
  return {
    meta: agents.meta,
    feedback: agents.feedback,
    policy,
    trainer,
    sandbox: createChildProcessSandbox({ gatewayCall: options.gatewayCall, isolation: choice.sandbox ?? 'auto' }),
    baseModel: model ?? TINY_BASE_MODEL,
    adapters: adapterLocations(choice.trainer, config, workDir),
    names: { agents: choice.agents, policy: choice.policy, trainer: choice.trainer },
  };
}

/**
 * Adapters live where the trainer writes them and the policy server reads them: files in the work dir for the
 * in-process and local trainers, the Modal Volume (as mounted by the function and by a vLLM app) for modal.
 */
function adapterLocations(trainer: StackChoice['trainer'], config: SiaConfig, workDir: string): AdapterLocations {
  if (trainer === 'modal') {
    const mount = (config.modal?.volumeMount ?? '/vol').replace(/\/+$/, '');
    const onVolume = (adapterId: string) => `${mount}/adapters/${adapterId}`;
    return { path: onVolume, uri: onVolume };
  }
  const local = (adapterId: string) => join(workDir, 'adapters', adapterId);
  return { path: local, uri: (adapterId) => pathToFileURL(local(adapterId)).href };
}

/** The tiny policy reads only tiny adapters, and a served model cannot use them: a weights run needs a matching pair. */
export function checkPolicyFitsTrainer(choice: StackChoice): void {
  if (choice.mode === 'h') return;
  if (choice.policy === 'tiny' && choice.trainer !== 'tiny') {
    throw new ValidationError(`--policy tiny cannot load adapters from --trainer ${choice.trainer}: use --policy openai (a vLLM server) with it`, '--policy');
  }
  if (choice.policy === 'openai' && choice.trainer === 'tiny') {
    throw new ValidationError(
      '--trainer tiny writes adapters only the tiny policy reads: use --trainer local or --trainer modal with --policy openai',
      '--trainer',
    );
  }
}
