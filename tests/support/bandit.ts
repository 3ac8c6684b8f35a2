/**
 * A toy bandit policy: a softmax over a few actions with table logits θ, where ∂lp(a)/∂θ_b = 1[a=b] − π_b.
 * Each rollout is one completion token (the action); algorithms' rows and loss gradients train it directly.
 */
import type { AlgorithmPlan, Rollout } from '../../core/ports/algorithm.ts';
import type { PreferenceRow, SequenceRow } from '../../core/ports/trainer.ts';
import { mulberry32 } from '../../core/random.ts';
import { preferenceLoss, sequenceLoss } from '../../core/rl/loss.ts';
import { completeLossSpec } from '../../core/rl/loss-spec.ts';

export function probabilities(theta: readonly number[]): number[] {
  const peak = Math.max(...theta);
  const weights = theta.map((logit) => Math.exp(logit - peak));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((weight) => weight / total);
}

export const logProbability = (theta: readonly number[], action: number) => Math.log(probabilities(theta)[action]);

export function rollout(theta: readonly number[], action: number, reward: number, groupId: string, index: number, reference?: readonly number[]): Rollout {
  return {
    groupId,
    trajectoryId: `${groupId}-${index}`,
    exampleId: groupId,
    tokens: [action],
    mask: [1],
    samplerLogprobs: [logProbability(theta, action)],
    reward,
    refLogprobs: reference ? [logProbability(reference, action)] : null,
  };
}

/** Seeded samples from π_θ: `groups` groups of `size` rollouts each. */
export function sampleGroups(
  theta: readonly number[],
  rewardOf: (action: number) => number,
  groups: number,
  size: number,
  seed: number,
  reference?: readonly number[],
): Rollout[][] {
  const random = mulberry32(seed);
  const pi = probabilities(theta);
  const draw = () => {
    let u = random();
    for (let action = 0; action < pi.length; action++) if ((u -= pi[action]) < 0) return action;
    return pi.length - 1;
  };
  return Array.from({ length: groups }, (_, g) =>
    Array.from({ length: size }, (_, i) => {
      const action = draw();
      return rollout(theta, action, rewardOf(action), `g${g}`, i, reference);
    }),
  );
}

/** ∂L/∂θ from per-row gradients w.r.t. the logprob of each row's action. */
function chainRule(theta: readonly number[], actions: number[], gradients: number[]): number[] {
  const pi = probabilities(theta);
  const grad = theta.map(() => 0);
  actions.forEach((action, i) => theta.forEach((_, b) => (grad[b] += gradients[i] * ((action === b ? 1 : 0) - pi[b]))));
  return grad;
}

export function sequenceStep(theta: readonly number[], plan: AlgorithmPlan, learningRate: number, values?: number[][]) {
  const rows = plan.rows as SequenceRow[];
  const current = rows.map((row) => [logProbability(theta, row.tokens[0])]);
  const result = sequenceLoss(completeLossSpec(plan.loss), rows, current, values);
  const grad = chainRule(
    theta,
    rows.map((row) => row.tokens[0]),
    result.gradLogprobs.map((row) => row[0]),
  );
  return { theta: theta.map((logit, b) => logit - learningRate * grad[b]), result };
}

export function preferenceStep(theta: readonly number[], plan: AlgorithmPlan, learningRate: number) {
  const rows = plan.rows as PreferenceRow[];
  const evaluate = (at: readonly number[]) =>
    preferenceLoss(
      completeLossSpec(plan.loss),
      rows,
      rows.map((row) => [logProbability(at, row.chosen.tokens[0])]),
      rows.map((row) => [logProbability(at, row.rejected.tokens[0])]),
    );
  const result = evaluate(theta);
  const grad = theta.map(() => 0);
  const chosenGrad = chainRule(
    theta,
    rows.map((row) => row.chosen.tokens[0]),
    result.gradChosen.map((row) => row[0]),
  );
  const rejectedGrad = chainRule(
    theta,
    rows.map((row) => row.rejected.tokens[0]),
    result.gradRejected.map((row) => row[0]),
  );
  grad.forEach((_, b) => (grad[b] = chosenGrad[b] + rejectedGrad[b]));
  const next = theta.map((logit, b) => logit - learningRate * grad[b]);
  return { theta: next, before: result, after: evaluate(next) };
}

export const expectedReward = (theta: readonly number[], rewardOf: (action: number) => number) =>
  probabilities(theta).reduce((total, p, action) => total + p * rewardOf(action), 0);
