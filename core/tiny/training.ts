/**
 * One optimizer step of the tiny policy over a minibatch: forward every row, ask core/rl/loss.ts for dL/dlogprob
 * (and dL/dvalue), backpropagate into the adapter, AdamW. Pure: the plugin (plugins/trainers/tiny.ts) does the IO.
 */
import { ValidationError } from '../errors.ts';
import type { PreferenceRow, SequenceRow, TrainJob, TrainRow } from '../ports/trainer.ts';
import { preferenceLoss, sequenceLoss } from '../rl/loss.ts';
import { type AdamSettings, type AdamState, adamStep } from './adam.ts';
import { type TinyAdapter, zerosLike } from './adapter.ts';
import { chosenIndex, parseChoiceContext } from './choice-context.ts';
import type { CandidateCache } from './features.ts';
import { accumulateGradients } from './gradients.ts';
import { type BaseWeights, type ChoiceInput, encodeChoice, forward, type TinyModelConfig } from './model.ts';

export interface EncodedChoice {
  input: ChoiceInput;
  chosen: number;
  temperature: number;
  /** The prompt and candidates as sent: the case memory keys on these. */
  prompt: string;
  candidates: string[];
}

export type PreparedRow =
  | { kind: 'sequence'; row: SequenceRow; choice: EncodedChoice }
  | { kind: 'preference'; row: PreferenceRow; chosen: EncodedChoice; rejected: EncodedChoice };

function encodeSide(
  config: TinyModelConfig,
  tokens: number[],
  context: Record<string, unknown> | undefined,
  field: string,
  cache: CandidateCache,
): EncodedChoice {
  const parsed = parseChoiceContext(context, `${field}.context`);
  const input = encodeChoice(config, parsed.prompt, parsed.candidates, cache);
  return {
    input,
    chosen: chosenIndex(tokens, parsed.candidates.length, field),
    temperature: parsed.temperature,
    prompt: parsed.prompt,
    candidates: parsed.candidates,
  };
}

const NEEDS_ADVANTAGES = new Set<string>(['is', 'ppo_clip', 'cispo']);

/** Features are computed once per job: they do not depend on the weights. */
export function prepareRows(config: TinyModelConfig, rows: TrainRow[], lossKind: TrainJob['loss']['kind']): PreparedRow[] {
  const cache: CandidateCache = new Map();
  return rows.map((row, index): PreparedRow => {
    const field = `rows[${index}]`;
    if ('chosen' in row) {
      if (lossKind !== 'dpo') throw new ValidationError(`is a preference row but the job's loss is ${lossKind}`, field);
      if (row.ref_lp_chosen === null || row.ref_lp_rejected === null) throw new ValidationError('DPO needs both reference logprobs', `${field}.ref_lp_chosen`);
      return {
        kind: 'preference',
        row,
        chosen: encodeSide(config, row.chosen.tokens, row.chosen.context, `${field}.chosen`, cache),
        rejected: encodeSide(config, row.rejected.tokens, row.rejected.context, `${field}.rejected`, cache),
      };
    }
    if (lossKind === 'dpo') throw new ValidationError("is a sequence row but the job's loss is dpo (it needs chosen/rejected pairs)", field);
    // Checked here, where the row's index in the whole batch is known (the loss sees minibatch indices only).
    if (NEEDS_ADVANTAGES.has(lossKind) && !row.advantages) throw new ValidationError(`loss ${lossKind} needs per-token advantages`, `${field}.advantages`);
    if (lossKind === 'ppo_gae' && !row.rewards) throw new ValidationError('loss ppo_gae needs per-token rewards', `${field}.rewards`);
    return { kind: 'sequence', row, choice: encodeSide(config, row.tokens, row.context, field, cache) };
  });
}

export interface StepResult {
  loss: number;
  gradNorm: number;
  metrics: Record<string, number>;
}

export function trainStep(
  base: BaseWeights,
  adapter: TinyAdapter,
  adam: AdamState,
  spec: TrainJob['loss'],
  settings: AdamSettings,
  batch: PreparedRow[],
): StepResult {
  const gradients = zerosLike(adapter);
  const result = spec.kind === 'dpo' ? preferenceStep(base, adapter, gradients, spec, batch) : sequenceStep(base, adapter, gradients, spec, batch);
  const gradNorm = adamStep(adapter, gradients, adam, settings);
  return { loss: result.loss, gradNorm, metrics: { ...result.metrics, loss: result.loss, grad_norm: gradNorm, lr: settings.lr, n_rows: batch.length } };
}

function sequenceStep(base: BaseWeights, adapter: TinyAdapter, gradients: TinyAdapter, spec: TrainJob['loss'], batch: PreparedRow[]) {
  const items = batch.filter((item) => item.kind === 'sequence');
  const passes = items.map(({ choice }) => forward(base, adapter, choice.input, choice.temperature));
  const current = passes.map((pass, i) => [pass.logprobs[items[i].choice.chosen]]);
  const values = spec.kind === 'ppo_gae' ? passes.map((pass) => [pass.value]) : undefined;
  const result = sequenceLoss(
    spec,
    items.map((item) => item.row),
    current,
    values,
  );
  items.forEach(({ choice }, i) => {
    accumulateGradients(adapter, gradients, choice.input, passes[i], choice.chosen, result.gradLogprobs[i][0] ?? 0, result.gradValues?.[i]?.[0] ?? 0);
  });
  const meanLogprob = current.reduce((sum, [lp]) => sum + lp, 0) / Math.max(1, current.length);
  return { loss: result.loss, metrics: { ...result.metrics, mean_logprob: meanLogprob } };
}

function preferenceStep(base: BaseWeights, adapter: TinyAdapter, gradients: TinyAdapter, spec: TrainJob['loss'], batch: PreparedRow[]) {
  const items = batch.filter((item) => item.kind === 'preference');
  const chosenPasses = items.map(({ chosen }) => forward(base, adapter, chosen.input, chosen.temperature));
  const rejectedPasses = items.map(({ rejected }) => forward(base, adapter, rejected.input, rejected.temperature));
  const chosenLogprobs = chosenPasses.map((pass, i) => [pass.logprobs[items[i].chosen.chosen]]);
  const rejectedLogprobs = rejectedPasses.map((pass, i) => [pass.logprobs[items[i].rejected.chosen]]);
  const result = preferenceLoss(
    spec,
    items.map((item) => item.row),
    chosenLogprobs,
    rejectedLogprobs,
  );
  items.forEach(({ chosen, rejected }, i) => {
    accumulateGradients(adapter, gradients, chosen.input, chosenPasses[i], chosen.chosen, result.gradChosen[i][0] ?? 0);
    accumulateGradients(adapter, gradients, rejected.input, rejectedPasses[i], rejected.chosen, result.gradRejected[i][0] ?? 0);
  });
  return { loss: result.loss, metrics: result.metrics };
}
