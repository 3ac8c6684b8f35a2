import type { CommandModule } from 'yargs';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import { type LineageNode, lineageProjection } from '../core/projections/lineage.ts';
import { project } from '../core/store/index.ts';
import { experimentPositional } from './options.ts';
import { printJson } from './output.ts';
import { openStore } from './store.ts';

interface LineageArgs {
  db: string;
  json: boolean;
  experiment: string;
  at?: number;
}

export const lineageCommand: CommandModule<object, LineageArgs> = {
  command: 'lineage <experiment>',
  describe: 'the (scaffold, adapter) nodes of an experiment with parents, verdicts and scores, now or --at a past position',
  builder: (yargs) =>
    yargs
      .positional('experiment', experimentPositional)
      .option('at', { type: 'number', describe: 'the lineage as of this log position (time travel)' }) as never,
  handler: (args) => {
    if (args.at !== undefined && (!Number.isInteger(args.at) || args.at < 0)) throw new ValidationError('must be a non-negative integer', '--at');
    const store = openStore(args.db, { mode: 'read' });
    try {
      const { state, position } = project(store, lineageProjection, { at: args.at });
      const experiment = state.experiments[args.experiment];
      if (!experiment) throw new NotFoundError(`no experiment ${args.experiment}${args.at !== undefined ? ` as of position ${args.at}` : ''}`);
      const nodes = experiment.nodeIds.map((id) => state.nodes[id]);
      if (args.json) printJson({ experiment, position, nodes });
      else printTree(nodes, experiment.bestNodeId, position);
    } finally {
      store.close();
    }
  },
};

function printTree(nodes: LineageNode[], bestNodeId: string | null, position: number): void {
  const children = new Map<string | null, LineageNode[]>();
  for (const node of nodes) children.set(node.parentId, [...(children.get(node.parentId) ?? []), node]);
  const scores = (node: LineageNode) => (['train', 'dev', 'holdout'] as const).map((split) => `${split} ${node.scores[split]?.toFixed(4) ?? '-'}`).join('  ');
  const walk = (node: LineageNode, depth: number) => {
    const what =
      node.kind === 'weights' ? `weights ${node.algorithm} → ${node.adapterId}` : node.kind === 'harness' ? `harness ${node.operator ?? ''}` : 'seed';
    console.log(`${'  '.repeat(depth)}${node.id === bestNodeId ? '*' : '-'} ${node.id} [${node.status}] ${what}  ${scores(node)}`);
    for (const child of children.get(node.id) ?? []) walk(child, depth + 1);
  };
  const ids = new Set(nodes.map((node) => node.id));
  for (const root of nodes.filter((node) => node.parentId === null || !ids.has(node.parentId))) walk(root, 0);
  console.log(`(as of position ${position}; * best on dev)`);
}
