import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands.ts';
import { exitQuietlyOnClosedPipe, reportError } from './output.ts';

exitQuietlyOnClosedPipe();

const cli = yargs(hideBin(process.argv))
  .scriptName('sia')
  .usage('sia — self-improving agents with an event-sourced memory\n\nUsage: $0 <command> [options]')
  .option('db', {
    type: 'string',
    default: process.env.SIA_DB || './sia.db',
    describe: 'event log: a SQLite file, or postgres://USER@HOST/DB for a shared log (default $SIA_DB, else ./sia.db)',
    global: true,
  })
  .option('json', { type: 'boolean', default: false, describe: 'print machine-readable JSON', global: true })
  .command(commands)
  .demandCommand(1, 'name a command (see --help)')
  .strict()
  .recommendCommands()
  .fail((message, error, instance) => {
    // Errors thrown by handlers reach the catch below once; this prints usage problems only.
    if (error) throw error;
    instance.showHelp();
    console.error(`\n${message}`);
    process.exitCode = 2;
  })
  .help()
  .wrap(Math.min(110, process.stdout.columns ?? 110));

try {
  await cli.parseAsync();
} catch (error) {
  reportError(error);
}
