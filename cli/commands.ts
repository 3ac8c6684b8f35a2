import type { CommandModule } from 'yargs';
import { algosCommand } from './algos.ts';
import { auditCommand } from './audit.ts';
import { bisectCommand } from './bisect.ts';
import { eventsCommand } from './events.ts';
import { experimentsCommand } from './experiments.ts';
import { exportCommand } from './export.ts';
import { forkCommand } from './fork.ts';
import { lineageCommand } from './lineage.ts';
import { replayCommand } from './replay.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { storeCommand } from './store-copy.ts';
import { tasksCommand } from './tasks.ts';
import { verifyCommand } from './verify.ts';

/** Every `sia` command, one file each. Add yours here. */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules each declare their own argument types
export const commands: CommandModule<any, any>[] = [
  runCommand,
  experimentsCommand,
  lineageCommand,
  eventsCommand,
  verifyCommand,
  tasksCommand,
  algosCommand,
  serveCommand,
  replayCommand,
  forkCommand,
  auditCommand,
  bisectCommand,
  reportCommand,
  storeCommand,
  exportCommand,
];
