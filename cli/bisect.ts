import type { CommandModule } from 'yargs';
import { bisectExperiment } from '../loop/audit/bisect.ts';
import { loadConfig } from '../loop/config.ts';
import { configOption, experimentPositional } from './options.ts';
import { EXIT, printJson } from './output.ts';
import { openStore } from './store.ts';

interface BisectArgs {
  db: string;
  json: boolean;
  experiment: string;
  config?: string;
}

export const bisectCommand: CommandModule<object, BisectArgs> = {
  command: 'bisect <experiment>',
  describe: 'find the first accepted event after which an audit check fails (exit 4 when one is found, 0 when the audit passes)',
  builder: (yargs) => yargs.positional('experiment', experimentPositional).option('config', configOption) as never,
  handler: async (args) => {
    const config = loadConfig(args.config);
    const store = openStore(args.db, { mode: 'write' });
    try {
      const result = await bisectExperiment({
        store,
        dbFile: args.db,
        config,
        experimentId: args.experiment,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (args.json) printJson(result);
      else if (!result.culprit) console.log(`the audit passes after all ${result.candidates} accepted events of ${result.experimentId}`);
      else {
        const { culprit } = result;
        console.log(
          `first bad event: position ${culprit.position} ${culprit.type} of ${culprit.nodeId} (${result.probes.length} audits over ${result.candidates} accepted events)`,
        );
        for (const check of culprit.failedChecks) for (const finding of check.findings) console.log(`  ${check.name}: ${finding}`);
      }
      if (result.culprit) process.exitCode = EXIT.findings;
    } finally {
      store.close();
    }
  },
};
