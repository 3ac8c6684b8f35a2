import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { ValidationError } from '../core/errors.ts';
import { loadConfig } from '../loop/config.ts';
import { randomId } from '../loop/context.ts';
import { resumeSettings } from '../loop/resume.ts';
import { DEFAULT_OPTIONS, runSession, type SessionSettings, sessionAlgorithms } from '../loop/session.ts';
import { checkPolicyFitsTrainer } from '../loop/stack.ts';
import { experimentSummary } from '../loop/summary.ts';
import { type AgentProviderName, agentProviderNames, type PolicyProviderName, policyProviderNames } from '../plugins/providers/index.ts';
import { ISOLATION_CHOICES, type IsolationChoice, resolveIsolation } from '../plugins/sandbox/isolation.ts';
import { loadTask } from '../plugins/tasks/index.ts';
import { type TrainerName, trainerNames } from '../plugins/trainers/index.ts';
import { exitWithResumeHintOnSignal } from './interrupt.ts';
import { configOption } from './options.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface RunArgs {
  db: string;
  json: boolean;
  task?: string;
  mode: 'h' | 'w+h';
  iterations?: number;
  seed: number;
  resume?: string;
  agents?: AgentProviderName;
  policy?: PolicyProviderName;
  trainer?: TrainerName;
  config?: string;
  'group-size': number;
  'max-tokens'?: number;
  'max-wall-s'?: number;
  'gate-confidence': number;
  algorithm?: string[];
  override: boolean;
  sandbox: IsolationChoice;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'run the self-improvement loop on a task (or --resume one) and print what it found',
  builder: (yargs) =>
    yargs
      .option('task', { type: 'string', describe: 'packaged task id (see `sia tasks list`) or a path to your own task folder' })
      .option('mode', { choices: ['h', 'w+h'] as const, default: 'w+h' as const, describe: 'h: harness only; w+h: harness and weights' })
      .option('iterations', { type: 'number', describe: `Feedback-Agent decisions to make (default ${DEFAULT_OPTIONS.iterations})` })
      .option('seed', { type: 'number', default: 0, describe: 'seeds splits, sampling, the gate and training' })
      .option('resume', { type: 'string', describe: 'continue this experiment from the log (after a kill or to add --iterations)' })
      .option('agents', { choices: agentProviderNames, describe: 'Meta/Feedback agents (default offline: no keys)' })
      .option('policy', { choices: policyProviderNames, describe: 'policy model (default tiny: in-process LoRA model)' })
      .option('trainer', { choices: trainerNames, describe: 'weights trainer (default tiny: in-process)' })
      .option('algorithm', { type: 'string', array: true, describe: 'your own RL algorithm file or folder (repeatable): the Feedback-Agent may choose it' })
      .option('sandbox', {
        choices: ISOLATION_CHOICES,
        default: 'auto' as const,
        describe: 'OS sandbox for scaffolds: auto (bubblewrap, else unshare), or none to run without one (recorded; sia audit flags it)',
      })
      .option('config', configOption)
      .option('override', {
        type: 'boolean',
        default: false,
        describe: "with --resume: continue with today's provider config where it differs from the recorded one (recorded)",
      })
      .option('group-size', { type: 'number', default: DEFAULT_OPTIONS.groupSize, describe: 'samples per train item for a weight update' })
      .option('max-tokens', { type: 'number', describe: 'stop after this many LLM tokens (all calls)' })
      .option('max-wall-s', { type: 'number', describe: 'stop after this many seconds' })
      .option('gate-confidence', { type: 'number', default: DEFAULT_OPTIONS.gate.confidence, describe: 'confidence of the acceptance gate bound' }) as never,
  handler: async (args) => {
    // Flags and config are checked before the log is opened: bad input writes nothing.
    const config = loadConfig(args.config);
    if (!args.resume && !args.task) throw new ValidationError('name a task: --task gsm8k (see `sia tasks list`) or --task ./my-task', '--task');
    const fresh = args.resume ? null : settingsFrom(args, config);
    if (fresh) checkPolicyFitsTrainer(fresh);
    if (fresh) resolveIsolation(fresh.sandbox ?? 'auto');
    const task = fresh ? await loadTask(fresh.task) : undefined;
    if (fresh) await sessionAlgorithms(fresh.algorithms ?? []);
    const store = openStore(args.db, { mode: 'create' });
    // Chosen here rather than in the session so an interrupted fresh run can name what to resume.
    const experimentId = args.resume ?? randomId('x');
    const stopHandlingSignals = exitWithResumeHintOnSignal(store, { experimentId, db: args.db, extraFlags: resumeFlags(args) });
    try {
      const progress = (line: string) => process.stderr.write(`${line}\n`);
      if (args.resume) {
        const resumed = resumeSettings(store, args.resume, config, args.override);
        // The recorded settings rebuild the same session; only --iterations may extend it.
        const settings = { ...resumed.settings, options: { ...resumed.settings.options, iterations: args.iterations ?? resumed.settings.options.iterations } };
        await runSession({ store, dbFile: args.db, settings, config: resumed.config, experimentId, onProgress: progress });
      } else {
        await runSession({ store, dbFile: args.db, settings: fresh as SessionSettings, config, task, experimentId, onProgress: progress });
      }
      const summary = experimentSummary(store, experimentId);
      if (args.json) printJson(summary);
      else {
        console.log(`experiment ${experimentId}: best node ${summary.best.nodeId} dev ${summary.best.dev} holdout ${summary.best.holdout}`);
        console.log(
          `log head ${summary.head.position}:${summary.head.hash} (keep it: \`sia verify --head ${summary.head.position}:${summary.head.hash}\` proves the log still holds it)`,
        );
      }
    } finally {
      stopHandlingSignals();
      store.close();
    }
  },
};

/** What `sia run --resume` needs repeated: the provider config file, and an --iterations extension of a resume (not recorded). */
function resumeFlags(args: RunArgs): string[] {
  return [
    ...(args.config ? ['--config', args.config] : []),
    ...(args.resume && args.iterations !== undefined ? ['--iterations', String(args.iterations)] : []),
    ...(args.override ? ['--override'] : []),
  ];
}

function settingsFrom(args: RunArgs, config: ReturnType<typeof loadConfig>): SessionSettings {
  const positive = (value: number | undefined, field: string) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new ValidationError('must be a positive number', field);
    return value;
  };
  positive(args.iterations, '--iterations');
  positive(args['group-size'], '--group-size');
  if (!(args['gate-confidence'] > 0 && args['gate-confidence'] < 1)) throw new ValidationError('must be between 0 and 1', '--gate-confidence');
  return {
    task: args.task as string,
    mode: args.mode,
    seed: args.seed,
    agents: args.agents ?? config.agents ?? 'offline',
    policy: args.policy ?? config.policy ?? 'tiny',
    trainer: args.trainer ?? config.trainer ?? 'tiny',
    algorithms: (args.algorithm ?? []).map((path) => resolve(path)),
    sandbox: args.sandbox,
    options: {
      ...DEFAULT_OPTIONS,
      iterations: args.iterations ?? DEFAULT_OPTIONS.iterations,
      groupSize: args['group-size'],
      gate: { ...DEFAULT_OPTIONS.gate, confidence: args['gate-confidence'] },
      budgets: {
        maxTokens: positive(args['max-tokens'], '--max-tokens') ?? null,
        maxWallMs: args['max-wall-s'] !== undefined ? (positive(args['max-wall-s'], '--max-wall-s') as number) * 1000 : null,
      },
    },
  };
}
