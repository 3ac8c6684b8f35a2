/** Best-of-N behaviour cloning: selection and the NLL over kept completions (training-anchors.md §1.7). */
import { type Aggregation, aggregate } from './aggregate.ts';

/**
 * Indices of the top k rewards, best first; ties go to the lower index (a rule the frameworks leave open).
 * With a threshold, only rewards ≥ threshold are kept (e.g. successes only).
 */
export function selectBestOfN(rewards: readonly number[], k: number, threshold: number | null = null): number[] {
  const order = rewards.map((_, index) => index).sort((a, b) => rewards[b] - rewards[a] || a - b);
  return order.slice(0, k).filter((index) => threshold === null || rewards[index] >= threshold);
}

/** NLL of kept completions, aggregated by token mean, sequence mean or sum (Tinker's cross_entropy sums). */
export function behaviourCloningNll(logprobs: readonly (readonly number[])[], mode: Aggregation): number {
  const losses = logprobs.map((row) => row.map((lp) => -lp));
  return aggregate(
    losses,
    logprobs.map((row) => row.map(() => 1)),
    mode,
  );
}
