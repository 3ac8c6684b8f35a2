import type { CommandModule } from 'yargs';
import { auditExperiment } from '../loop/audit/index.ts';
import { loadConfig } from '../loop/config.ts';
import { configOption, experimentPositional } from './options.ts';
import { EXIT, printJson } from './output.ts';
import { openStore } from './store.ts';

interface AuditArgs {
  db: string;
  json: boolean;
  experiment: string;
  config?: string;
}

export const auditCommand: CommandModule<object, AuditArgs> = {
  command: 'audit <experiment>',
  describe:
    'audit an experiment for verifier overfitting (divergence, pinning, robustness, coupling, static scan, canaries, serving parity): exit 0 clean, 4 findings',
  builder: (yargs) => yargs.positional('experiment', experimentPositional).option('config', configOption) as never,
  handler: async (args) => {
    const config = loadConfig(args.config);
    const store = openStore(args.db, { mode: 'write' });
    try {
      const audit = await auditExperiment({
        store,
        dbFile: args.db,
        config,
        experimentId: args.experiment,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (args.json) printJson(audit);
      else {
        console.log(
          `audit of ${audit.experimentId} as of position ${audit.atPosition}: ${audit.clean ? 'clean' : 'FINDINGS'} (recorded at position ${audit.position})`,
        );
        for (const check of audit.checks) {
          console.log(`  ${check.passed ? 'pass' : 'FAIL'} ${check.name}: ${check.summary}`);
          for (const finding of check.findings) console.log(`      ${finding.nodeId ?? '-'}: ${finding.message}`);
        }
      }
      if (!audit.clean) process.exitCode = EXIT.findings;
    } finally {
      store.close();
    }
  },
};
