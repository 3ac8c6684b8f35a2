import { deriveSeed } from '../random.ts';
import type { LoopState } from './state.ts';

/**
 * Seeds of a node's evaluation and of its gate, from the experiment seed and the node's place in the lineage
 * (not its random id), so the same --seed gives the same samples and the same gate verdicts.
 */
export function evaluationSeed(state: LoopState, nodeId: string, split: string): number {
  return deriveSeed(state.seed, `node-${state.nodeOrder.indexOf(nodeId)}/${split}`);
}

export function gateSeed(state: LoopState, nodeId: string): number {
  return deriveSeed(state.seed, `gate/node-${state.nodeOrder.indexOf(nodeId)}`);
}
