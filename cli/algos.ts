import { resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { sessionAlgorithms } from '../loop/session.ts';
import { lossKindOf } from '../plugins/algorithms/index.ts';
import { printJson } from './output.ts';

interface AlgosArgs {
  json: boolean;
  load?: string[];
}

const listCommand: CommandModule<object, AlgosArgs> = {
  command: 'list',
  describe: 'list the RL algorithms a weight update can use',
  builder: (yargs) =>
    yargs.option('load', {
      type: 'string',
      array: true,
      describe: 'also load and check your own algorithm file or folder (as `sia run --algorithm`)',
    }) as never,
  handler: async (args) => {
    const algorithms = (await sessionAlgorithms((args.load ?? []).map((path) => resolve(path)))).map((algorithm) => ({
      id: algorithm.id,
      title: algorithm.title,
      suits: algorithm.suits,
      lossKind: lossKindOf(algorithm),
      defaults: algorithm.defaults,
    }));
    if (args.json) {
      printJson({ algorithms });
      return;
    }
    const header = { id: 'ID', title: 'TITLE', suits: 'SUITS (reward shape)', lossKind: 'LOSS' };
    const rows = [header, ...algorithms];
    const width = (key: 'id' | 'title' | 'suits') => Math.max(...rows.map((row) => row[key].length));
    for (const row of rows)
      console.log([row.id.padEnd(width('id')), row.title.padEnd(width('title')), row.suits.padEnd(width('suits')), row.lossKind].join('  '));
  },
};

export const algosCommand: CommandModule<object, AlgosArgs> = {
  command: 'algos',
  describe: 'the RL algorithms (list)',
  builder: (yargs) => yargs.command(listCommand).demandCommand(1, 'name an action: list') as never,
  handler: () => {},
};
