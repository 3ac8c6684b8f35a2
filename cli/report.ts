import type { CommandModule } from 'yargs';
import { loadConfig } from '../loop/config.ts';
import { writeReport } from '../loop/report/index.ts';
import { experimentPositional } from './options.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface ReportArgs {
  db: string;
  json: boolean;
  experiment: string;
  out: string;
  config?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <experiment>',
  describe: 'write a self-contained HTML report (lineage, score curves, audit; plots as inline SVG) to --out DIR',
  builder: (yargs) =>
    yargs
      .positional('experiment', experimentPositional)
      .option('out', { type: 'string', demandOption: true, describe: 'folder for index.html' })
      .option('config', { type: 'string', describe: 'provider settings file (used when the audit has to run first)' }) as never,
  handler: async (args) => {
    const config = loadConfig(args.config);
    const store = openStore(args.db, { mode: 'write' });
    try {
      const report = await writeReport({
        store,
        dbFile: args.db,
        config,
        experimentId: args.experiment,
        outDir: args.out,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      if (args.json) printJson(report);
      else console.log(`report written to ${report.file}${report.audited ? ' (audited first)' : ''}`);
    } finally {
      store.close();
    }
  },
};
