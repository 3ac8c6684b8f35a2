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
    const from = openStore(args.from, { mode: 'read' });
    try {
      const to = openStore(args.to, { mode: 'create' });
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

const migrateCommand: CommandModule<object, { db: string }> = {
  command: 'migrate',
  describe: "bring a log written by an older sia to this sia's schema (reads never migrate)",
  handler: (args) => {
    openStore(args.db, { mode: 'write' }).close();
    console.log(`${args.db} is at this sia's schema`);
  },
};

export const storeCommand: CommandModule = {
  command: 'store <command>',
  describe: 'move logs between SQLite files and PostgreSQL, or migrate one',
  builder: (yargs) => yargs.command(copyCommand).command(migrateCommand).demandCommand(1),
  handler: () => undefined,
};
