import type { CommandModule } from 'yargs';
import { loadConfig } from '../loop/config.ts';
import { type ReplayReport, replayNode } from '../loop/replay.ts';
import { configOption } from './options.ts';
import { EXIT, printJson } from './output.ts';
import { openStore } from './store.ts';

interface ReplayArgs {
  db: string;
  json: boolean;
  node: string;
  split: 'dev' | 'holdout' | 'train';
  cassette: boolean;
  out?: string;
  config?: string;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay <node>',
  describe: 'rebuild a node (scaffold + adapter, hashes checked) from the log, re-run it on a split and compare with the original run',
  builder: (yargs) =>
    yargs
      .positional('node', { type: 'string', demandOption: true, describe: 'node id (see `sia lineage EXPERIMENT`)' })
      .option('split', { choices: ['dev', 'holdout', 'train'] as const, default: 'dev' as const, describe: 'split to re-run' })
      .option('cassette', {
        type: 'boolean',
        default: false,
        describe: "answer model calls from the original run's recorded responses; outputs must match exactly",
      })
      .option('out', { type: 'string', describe: 'also write the rebuilt scaffold files and adapter bytes to this folder' })
      .option('config', configOption) as never,
  handler: async (args) => {
    const config = loadConfig(args.config);
    const store = openStore(args.db, { mode: 'write' });
    try {
      const report = await replayNode({
        store,
        dbFile: args.db,
        config,
        nodeId: args.node,
        split: args.split,
        cassette: args.cassette,
        outDir: args.out ?? null,
      });
      if (args.json) printJson(report);
      else printReplay(report);
      // A cassette replay that does not reproduce the recording is a finding, like an audit's.
      if (report.mode === 'cassette' && report.exact === false) process.exitCode = EXIT.findings;
    } finally {
      store.close();
    }
  },
};

function printReplay(report: ReplayReport): void {
  const original = report.originalScore === null ? 'no recorded run' : report.originalScore.toFixed(4);
  const difference = report.difference === null ? '' : ` (difference ${report.difference >= 0 ? '+' : ''}${report.difference.toFixed(4)})`;
  console.log(
    `replay ${report.runId} of ${report.nodeId} on ${report.split} (${report.mode}${report.originalRunId ? `, replays ${report.originalRunId}` : ''})`,
  );
  console.log(
    `  scaffold ${report.rebuilt.scaffoldId.slice(0, 12)} rebuilt (${Object.keys(report.rebuilt.scaffoldFiles).length} files)${report.rebuilt.adapter ? `, adapter ${report.rebuilt.adapter.adapterId} verified (${Object.keys(report.rebuilt.adapter.files).length} files)` : ', base weights'}${report.rebuilt.outDir ? ` → ${report.rebuilt.outDir}` : ''}`,
  );
  console.log(`  score ${report.score.toFixed(4)}, original ${original}${difference}`);
  if (report.verifierChanged) console.log("  note: the task's verifier changed since the original run (see `sia audit`)");
  if (report.exact !== null)
    console.log(`  ${report.exact ? 'exact: every output and model call matches the original' : `${report.divergences.length} divergences`}`);
  for (const divergence of report.divergences.slice(0, 20)) {
    console.log(
      `    ${divergence.exampleId} ${divergence.step === null ? 'output' : `call ${divergence.step}`} ${divergence.field}: ${JSON.stringify(divergence.original)?.slice(0, 80)} → ${JSON.stringify(divergence.replayed)?.slice(0, 80)}`,
    );
  }
}
