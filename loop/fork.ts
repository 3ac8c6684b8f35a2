import type { EventStore } from '../core/ports/event-store.ts';
import type { SiaConfig } from './config.ts';
import type { Stack } from './context.ts';
import { createExperimentLog } from './experiment-log.ts';
import { experimentOfNode, recordedSession } from './recorded.ts';
import { runSession } from './session.ts';

export interface ForkResult {
  experimentId: string;
  fromNodeId: string;
  /** Log position of the experiment.branched event. */
  branchPosition: number;
  iterations: number;
  /** Nodes the branch created, in order (each descends from the forked node). */
  newNodeIds: string[];
}

/**
 * Continues an experiment's loop from one of its nodes as a new branch (sia fork): records experiment.branched
 * through the decider, then runs the loop with the recorded settings until the branch's iterations are used.
 */
export async function forkNode(input: {
  store: EventStore;
  dbFile: string;
  nodeId: string;
  iterations?: number;
  onProgress?: (line: string) => void;
  /** Today's sia.config.json: used only for a log from before settings recorded the provider configuration. */
  config: SiaConfig;
  /** Replaces parts of the recorded stack (e.g. scripted agents in tests). */
  stackOverrides?: Partial<Stack>;
}): Promise<ForkResult> {
  const { store, nodeId } = input;
  const experimentId = experimentOfNode(store, nodeId);
  const log = createExperimentLog(store, experimentId);
  const { settings: recorded, config } = recordedSession(log.state, input.config);
  const iterations = input.iterations ?? recorded.options.iterations;
  const nodesBefore = new Set(log.state.nodeOrder);
  const [branched] = log.execute({ type: 'Branch', data: { experimentId, fromNodeId: nodeId, iterations } });
  input.onProgress?.(`branch of ${experimentId} from ${nodeId}: ${iterations} iterations`);
  const settings = { ...recorded, options: { ...recorded.options, iterations: log.state.iterationBudget ?? iterations } };
  await runSession({ store, dbFile: input.dbFile, settings, config, experimentId, onProgress: input.onProgress, stackOverrides: input.stackOverrides });
  const after = createExperimentLog(store, experimentId).state;
  return { experimentId, fromNodeId: nodeId, branchPosition: branched.position, iterations, newNodeIds: after.nodeOrder.filter((id) => !nodesBefore.has(id)) };
}
