import type { CommandModule } from 'yargs';
import { ValidationError } from '../core/errors.ts';
import { loadConfig } from '../loop/config.ts';
import { forkNode } from '../loop/fork.ts';
import { experimentSummary } from '../loop/summary.ts';
import { configOption } from './options.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface ForkArgs {
  db: string;
  json: boolean;
  node: string;
  iterations?: number;
  config?: string;
}

export const forkCommand: CommandModule<object, ForkArgs> = {
  command: 'fork <node>',
  describe: 'continue the loop from a node as a new branch of the same experiment (it may have finished)',
  builder: (yargs) =>
    yargs
      .positional('node', { type: 'string', demandOption: true, describe: 'node id to branch from' })
      .option('iterations', { type: 'number', describe: "Feedback-Agent decisions on the branch (default: the experiment's --iterations)" })
      .option('config', configOption) as never,
  handler: async (args) => {
    if (args.iterations !== undefined && !(Number.isInteger(args.iterations) && args.iterations > 0))
      throw new ValidationError('must be a positive integer', '--iterations');
    const config = loadConfig(args.config);
    const store = openStore(args.db, { mode: 'write' });
    try {
      const progress = (line: string) => process.stderr.write(`${line}\n`);
      const fork = await forkNode({ store, dbFile: args.db, config, nodeId: args.node, iterations: args.iterations, onProgress: progress });
      const summary = experimentSummary(store, fork.experimentId);
      if (args.json) printJson({ ...summary, branch: fork });
      else
        console.log(
          `branch of ${fork.experimentId} from ${fork.fromNodeId}: ${fork.newNodeIds.length} new nodes (${fork.newNodeIds.join(', ') || 'none'}); best ${summary.best.nodeId} dev ${summary.best.dev}`,
        );
    } finally {
      store.close();
    }
  },
};
