/**
 * DPO on one preference pair (training-anchors.md §1.6, TRL loss_type="sigmoid").
 * Each logprob is the SUM of the completion's token logprobs.
 */
import { logSigmoid, sigmoid } from './numeric.ts';

export interface DpoResult {
  loss: number;
  /** z = β·[(lp_w − ref_w) − (lp_l − ref_l)]. */
  margin: number;
  chosenReward: number;
  rejectedReward: number;
  /** σ(−z): how strongly the pair still pulls. */
  gradWeight: number;
  /** dL/dlp_w = −β·σ(−z) and dL/dlp_l = +β·σ(−z); every valid token of a side shares its side's value. */
  gradChosen: number;
  gradRejected: number;
}

export const TRL_DPO_BETA = 0.1;

export function dpoLoss(lpChosen: number, lpRejected: number, refChosen: number, refRejected: number, beta = TRL_DPO_BETA): DpoResult {
  const chosenReward = beta * (lpChosen - refChosen);
  const rejectedReward = beta * (lpRejected - refRejected);
  const margin = chosenReward - rejectedReward;
  const gradWeight = sigmoid(-margin);
  return {
    loss: -logSigmoid(margin),
    margin,
    chosenReward,
    rejectedReward,
    gradWeight,
    gradChosen: -beta * gradWeight,
    gradRejected: beta * gradWeight,
  };
}
