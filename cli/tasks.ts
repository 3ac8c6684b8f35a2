import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { IllegalStateError, ValidationError } from '../core/errors.ts';
import { formatBytes, taskOutputLimit } from '../core/sandbox-limits.ts';
import { loadTask, packagedTaskIds } from '../plugins/tasks/index.ts';
import { taskTemplateFiles } from '../plugins/tasks/shared/template.ts';
import { printJson } from './output.ts';

export interface TaskSummary {
  id: string;
  available: boolean;
  metric?: string;
  higherIsBetter?: boolean;
  hardware?: string;
  splits?: { train: number; dev: number; holdout: number };
  /** The most JSON one answer may be (core/sandbox-limits.ts): the task's declared limit or the 1 MiB default. */
  outputLimitBytes?: number;
  info?: Record<string, unknown>;
  error?: string;
}

/** Loads every packaged task; a task that fails to load is listed with its error rather than hiding the rest. */
export async function summarizeTasks(seed = 0): Promise<TaskSummary[]> {
  const summaries: TaskSummary[] = [];
  for (const id of packagedTaskIds()) {
    try {
      const task = await loadTask(id);
      const splits = task.splits(seed);
      summaries.push({
        id,
        available: true,
        metric: task.metric.name,
        higherIsBetter: task.metric.higherIsBetter,
        hardware: task.hardware,
        splits: { train: splits.train.length, dev: splits.dev.length, holdout: splits.holdout.length },
        outputLimitBytes: taskOutputLimit(task),
        ...(task.info ? { info: task.info } : {}),
      });
    } catch (error) {
      summaries.push({ id, available: false, error: (error as Error).message });
    }
  }
  return summaries;
}

/** One line of `sia tasks list`. */
export function taskLine(summary: TaskSummary): string {
  if (!summary.available) return `${summary.id.padEnd(12)} unavailable: ${summary.error}`;
  const { train, dev, holdout } = summary.splits!;
  const classes = summary.info?.classes !== undefined ? `  classes ${summary.info.classes}` : '';
  const direction = summary.higherIsBetter ? '↑' : '↓';
  const output = `output ≤ ${formatBytes(summary.outputLimitBytes!)}`;
  return `${summary.id.padEnd(12)} ${`${summary.metric} ${direction}`.padEnd(22)} train/dev/holdout ${`${train}/${dev}/${holdout}`.padEnd(12)} ${summary.hardware}  ${output}${classes}`;
}

/** Writes ./NAME/ (or DIR/NAME/) with a small working task; refuses to overwrite. Returns the folder. */
export function writeTaskTemplate(name: string, parentDir = '.'): string {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) {
    throw new ValidationError('use lowercase letters, digits and dashes, starting with a letter', 'NAME');
  }
  const folder = resolve(parentDir, name);
  if (existsSync(folder)) throw new IllegalStateError(`${folder} already exists; choose another NAME or remove it`);
  for (const [file, content] of Object.entries(taskTemplateFiles(name))) {
    mkdirSync(dirname(join(folder, file)), { recursive: true });
    writeFileSync(join(folder, file), content);
  }
  return folder;
}

const listCommand: CommandModule<object, { json: boolean }> = {
  command: 'list',
  describe: 'list packaged tasks with metric, split sizes, hardware and output limit',
  handler: async (argv) => {
    const summaries = await summarizeTasks();
    if (argv.json) printJson(summaries);
    else for (const summary of summaries) console.log(taskLine(summary));
  },
};

const newCommand: CommandModule<object, { name: string; dir: string; json: boolean }> = {
  command: 'new <name>',
  describe: 'write ./NAME/ with a small working task to start from',
  builder: (yargs) =>
    yargs
      .positional('name', { type: 'string', demandOption: true, describe: 'task id and folder name' })
      .option('dir', { type: 'string', default: '.', describe: 'parent folder' }) as Argv<{ name: string; dir: string; json: boolean }>,
  handler: async (argv) => {
    const folder = writeTaskTemplate(argv.name, argv.dir);
    const task = await loadTask(folder);
    if (argv.json) printJson({ id: task.id, path: folder });
    else console.log(`wrote ${folder}\nrun it: sia run --task ./${join(argv.dir, argv.name)}`);
  },
};

export const tasksCommand: CommandModule<object, object> = {
  command: 'tasks',
  describe: 'list packaged tasks or start a new one',
  builder: (yargs) => yargs.command(listCommand).command(newCommand).demandCommand(1, 'name a subcommand: list or new'),
  handler: () => {},
};
