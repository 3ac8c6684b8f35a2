/**
 * Generalized advantage estimation for the PPO critic path (training-anchors.md §1.1, verl compute_gae_advantage_return).
 * Positions with mask 0 (prompt, observations, padding) are skipped: the scan carries the next valid value and advantage
 * across them, and V = 0 beyond the last valid token.
 */

export interface GaeResult {
  advantages: number[];
  /** Value targets R_t = A_t + V_t, taken before whitening. */
  returns: number[];
}

export function gae(rewards: readonly number[], values: readonly number[], mask: readonly number[], gamma: number, lam: number): GaeResult {
  const advantages = new Array<number>(rewards.length).fill(0);
  const returns = new Array<number>(rewards.length).fill(0);
  let nextValue = 0;
  let nextAdvantage = 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    if (mask[t] <= 0) continue;
    const delta = rewards[t] + gamma * nextValue - values[t];
    nextAdvantage = delta + gamma * lam * nextAdvantage;
    nextValue = values[t];
    advantages[t] = nextAdvantage;
    returns[t] = nextAdvantage + values[t];
  }
  return { advantages, returns };
}

/** Discounted reward-to-go over valid tokens: GAE with V ≡ 0 and λ = 1 (REINFORCE returns). */
export function discountedReturns(rewards: readonly number[], mask: readonly number[], gamma: number): number[] {
  return gae(rewards, new Array<number>(rewards.length).fill(0), mask, gamma, 1).returns;
}

/** An outcome reward sits on the last valid token; every other token gets 0 (§1.1). */
export function outcomeTokenRewards(mask: readonly number[], reward: number): number[] {
  const rewards = new Array<number>(mask.length).fill(0);
  const last = mask.findLastIndex((m) => m > 0);
  if (last >= 0) rewards[last] = reward;
  return rewards;
}

/**
 * verl masked_whiten over a whole batch: (x − mean)/sqrt(var_unbiased + 1e-8), statistics over valid tokens only.
 * Fewer than two valid tokens leave nothing to compare, so their variance counts as 0. Masked-out positions become 0.
 */
export function maskedWhiten(values: readonly (readonly number[])[], mask: readonly (readonly number[])[], epsilon = 1e-8): number[][] {
  const valid: number[] = [];
  values.forEach((row, i) => row.forEach((value, t) => mask[i][t] > 0 && valid.push(value)));
  const centre = valid.length ? valid.reduce((a, b) => a + b, 0) / valid.length : 0;
  const variance = valid.length < 2 ? 0 : valid.reduce((acc, value) => acc + (value - centre) ** 2, 0) / (valid.length - 1);
  const scale = 1 / Math.sqrt(variance + epsilon);
  return values.map((row, i) => row.map((value, t) => (mask[i][t] > 0 ? (value - centre) * scale : 0)));
}
