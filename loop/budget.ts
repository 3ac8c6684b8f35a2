import type { LoopState } from '../core/loop/state.ts';
import type { LoopContext } from './context.ts';

/** Budgets are the experiment's: tokens from its fold, wall time from the start its creation recorded. */
export function budgetExceeded(context: LoopContext, state: LoopState): boolean {
  const { maxTokens, maxWallMs } = context.options.budgets;
  if (maxTokens !== null && state.usage.promptTokens + state.usage.completionTokens >= maxTokens) return true;
  return maxWallMs !== null && state.startedAt !== null && context.clock().getTime() - Date.parse(state.startedAt) >= maxWallMs;
}
