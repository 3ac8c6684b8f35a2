import type { CommandModule } from 'yargs';
import { copyLog } from '../core/store/index.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface CopyArgs {
  from: string;
  to: string;
  json: boolean;
}

const copyCommand: CommandModule<object, CopyArgs> = {
  command: 'copy',
  describe: 'copy a whole log (SQLite file or postgres:// URL) into an empty one, positions and hashes intact, and verify the copy',
  builder: (yargs) =>
    yargs
      .option('from', { type: 'string', demandOption: true, describe: 'the log to copy: a SQLite file or postgres:// URL' })
      .option('to', { type: 'string', demandOption: true, describe: 'an empty log: a new SQLite file or an empty postgres:// database or ?schema=' }) as never,
  handler: (args) => {
    const from = openStore(args.from, { mustExist: true });
    try {
      const to = openStore(args.to);
      try {
        const result = copyLog(from, to);
        if (args.json) printJson(result);
        else
          console.log(`copied ${result.events} events and ${result.blobs} blobs; the copy verifies, head ${result.head.position}:${result.head.hash ?? '-'}`);
      } finally {
        to.close();
      }
    } finally {
      from.close();
    }
  },
};

export const storeCommand: CommandModule = {
  command: 'store <command>',
  describe: 'move logs between SQLite files and PostgreSQL',
  builder: (yargs) => yargs.command(copyCommand).demandCommand(1),
  handler: () => undefined,
};
