import type { Argv, CommandModule } from 'yargs';
import { ensureTypeScriptLoader } from './typescript-loader.ts';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules each declare their own argument types
type AnyCommand = CommandModule<any, any>;

interface CommandEntry {
  command: string;
  describe: string;
  load: () => Promise<AnyCommand>;
  /** Whether the command may import the user's own TypeScript (a task folder, an algorithm file, a recorded task). */
  runsUserCode: boolean;
}

/**
 * Every `sia` command, one file each, named here with its usage line so `sia --help` and parsing need none of
 * them: the chosen command's file (and what it imports: providers' SDKs, the loop) loads when yargs builds its
 * options, so `sia verify` never pays for `sia run`. Add yours here; tests/cli-commands.unit.test.ts checks
 * that each line matches its file.
 */
export const commandEntries: CommandEntry[] = [
  {
    command: 'run',
    describe: 'run the self-improvement loop on a task (or --resume one) and print what it found',
    load: async () => (await import('./run.ts')).runCommand,
    runsUserCode: true,
  },
  {
    command: 'experiments',
    describe: 'list the experiments in the log: id, task, mode, status, best score, created time (read-only)',
    load: async () => (await import('./experiments.ts')).experimentsCommand,
    runsUserCode: false,
  },
  {
    command: 'lineage <experiment>',
    describe: 'the (scaffold, adapter) nodes of an experiment with parents, verdicts and scores, now or --at a past position',
    load: async () => (await import('./lineage.ts')).lineageCommand,
    runsUserCode: false,
  },
  {
    command: 'events',
    describe: 'list events from the log (oldest first)',
    load: async () => (await import('./events.ts')).eventsCommand,
    runsUserCode: false,
  },
  {
    command: 'verify',
    describe: 'check the log: every row hash, stream versions, referenced blobs, checkpoints, and an anchored head; exit 0 intact, 3 naming the first problem',
    load: async () => (await import('./verify.ts')).verifyCommand,
    runsUserCode: false,
  },
  {
    command: 'tasks',
    describe: 'list packaged tasks or start a new one',
    load: async () => (await import('./tasks.ts')).tasksCommand,
    runsUserCode: true,
  },
  { command: 'algos', describe: 'the RL algorithms (list)', load: async () => (await import('./algos.ts')).algosCommand, runsUserCode: true },
  {
    command: 'serve',
    describe: 'serve the lineage API, its live event stream, the web UI and the gateway over HTTP',
    load: async () => (await import('./serve.ts')).serveCommand,
    runsUserCode: true,
  },
  {
    command: 'replay <node>',
    describe: 'rebuild a node (scaffold + adapter, hashes checked) from the log, re-run it on a split and compare with the original run',
    load: async () => (await import('./replay.ts')).replayCommand,
    runsUserCode: true,
  },
  {
    command: 'fork <node>',
    describe: 'continue the loop from a node as a new branch of the same experiment (it may have finished)',
    load: async () => (await import('./fork.ts')).forkCommand,
    runsUserCode: true,
  },
  {
    command: 'audit <experiment>',
    describe:
      'audit an experiment for verifier overfitting (divergence, pinning, robustness, coupling, static scan, canaries, serving parity): exit 0 clean, 4 findings',
    load: async () => (await import('./audit.ts')).auditCommand,
    runsUserCode: true,
  },
  {
    command: 'bisect <experiment>',
    describe: 'find the first accepted event after which an audit check fails (exit 4 when one is found, 0 when the audit passes)',
    load: async () => (await import('./bisect.ts')).bisectCommand,
    runsUserCode: true,
  },
  {
    command: 'report <experiment>',
    describe: 'write a self-contained HTML report (lineage, score curves, audit; plots as inline SVG) to --out DIR',
    load: async () => (await import('./report.ts')).reportCommand,
    runsUserCode: true,
  },
  {
    command: 'store <command>',
    describe: 'move logs between SQLite files and PostgreSQL, or migrate one',
    load: async () => (await import('./store-copy.ts')).storeCommand,
    runsUserCode: false,
  },
  {
    command: 'export <format>',
    describe: 'export an experiment for other tools (otel)',
    load: async () => (await import('./export.ts')).exportCommand,
    runsUserCode: false,
  },
];

/** A yargs command that imports its file only once chosen (yargs awaits a builder that returns a promise). */
function lazyCommand(entry: CommandEntry): AnyCommand {
  let loaded: Promise<AnyCommand> | undefined;
  const load = () => {
    loaded ??= (entry.runsUserCode ? ensureTypeScriptLoader() : Promise.resolve()).then(entry.load);
    return loaded;
  };
  return {
    command: entry.command,
    describe: entry.describe,
    builder: async (yargs: Argv) => {
      const { builder } = await load();
      if (typeof builder === 'function') return builder(yargs);
      return builder ? yargs.options(builder) : yargs;
    },
    handler: async (args) => (await load()).handler(args),
  };
}

export const commands: AnyCommand[] = commandEntries.map(lazyCommand);
