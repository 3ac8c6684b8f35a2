/**
 * Deterministic Meta and Feedback agents that call no model (the embedded default: no keys, no network).
 * Their rule set is plugins/providers/prompts/offline-rules.v3.md, hashed like an LLM prompt. The Meta-Agent keeps the
 * reference scaffold; the Feedback-Agent edits one knob of the scaffold's `// sia:config` block at a time, in an
 * order read from the train trajectories, and picks weights vs harness and the algorithm from reward statistics.
 */
import type { AgentUsage, Decision, FeedbackAgent, FeedbackContext, MetaAgent } from '../../core/ports/agents.ts';
import { adviseAlgorithm } from '../../core/rl/selector.ts';
import { loadPrompt } from './prompts.ts';
import { type ConfigValue, findScaffoldConfig, setScaffoldConfigValue } from './scaffold-config.ts';

export interface OfflineAgentsOptions {
  /** The task's knobs: values per config key the Feedback-Agent may try (Task.knobs). */
  knobs?: Record<string, ConfigValue[]>;
}

type Family = 'parser' | 'width' | 'voting' | 'prompt' | 'other';

const FAMILY_PATTERNS: Array<[Family, RegExp]> = [
  ['parser', /pars|extract|answer|format/i],
  // Candidate generation: how many candidates (first) and how they are ranked.
  ['width', /candidate|width|topk|top_k|shortlist|option|overlap|weighting|rank/i],
  ['voting', /sample|vote|voting|retr|temperature/i],
  ['prompt', /prompt|style|instruction|shot|example/i],
];

export const OFFLINE_RULES = 'offline-rules.v3';
const FREE: AgentUsage = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
/** Shares above which a symptom decides the family order (see the rule set). */
const UNPARSABLE_SHARE = 0.2;
const DISAGREEMENT_SHARE = 0.2;
const LOW_SCORE = 0.5;

export function knobFamily(key: string): Family {
  return FAMILY_PATTERNS.find(([, pattern]) => pattern.test(key))?.[0] ?? 'other';
}

export function knobOperator(key: string, value: ConfigValue): string {
  return `knob:${key}=${String(value)}`;
}

/** The family order for this context, with the reason in words. */
export function familyOrder(context: FeedbackContext): { order: Family[]; reason: string } {
  const samples = context.trainTrajectories;
  const unparsable = samples.filter((s) => s.errors.length > 0 || s.output === null || s.output === undefined || s.output === '').length;
  const unparsableShare = samples.length ? unparsable / samples.length : 0;
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  if (unparsableShare >= UNPARSABLE_SHARE) {
    return {
      order: ['parser', 'prompt', 'voting', 'width', 'other'],
      reason: `${percent(unparsableShare)} of train outputs are errors or empty, so answer parsing comes first`,
    };
  }
  // Rollouts at the training temperature measure the policy's spread, not the scaffold's: only evaluation groups count.
  const disagreement = context.rewardStatistics.source === 'rollouts' ? 0 : context.rewardStatistics.pairwiseAvailability;
  if (disagreement >= DISAGREEMENT_SHARE) {
    return {
      order: ['voting', 'parser', 'prompt', 'width', 'other'],
      reason: `${percent(disagreement)} of items get different rewards across samples, so voting comes first`,
    };
  }
  if (context.trainScore < LOW_SCORE) {
    return {
      order: ['width', 'prompt', 'voting', 'parser', 'other'],
      reason: `train score ${context.trainScore.toFixed(3)} is low with parsable answers, so the right answer is often absent: candidate width comes first`,
    };
  }
  return {
    order: ['prompt', 'voting', 'width', 'parser', 'other'],
    reason: `train score ${context.trainScore.toFixed(3)} with parsable answers, so prompt variants come first`,
  };
}

/** What the lineage says about each knob operator: the best gate gain it got anywhere, and whether it was accepted. */
function knobRecord(context: FeedbackContext): Map<string, { gain: number; accepted: boolean }> {
  const record = new Map<string, { gain: number; accepted: boolean }>();
  for (const entry of context.lineage) {
    if (entry.kind !== 'harness' || !entry.operator?.startsWith('knob:') || !entry.gate) continue;
    const seen = record.get(entry.operator);
    if (!seen || entry.gate.gain > seen.gain) record.set(entry.operator, { gain: entry.gate.gain, accepted: entry.gate.accepted || (seen?.accepted ?? false) });
  }
  return record;
}

/**
 * Families by what worked, so every one is reached: a family with more accepted than rejected edits in the lineage
 * first, then families not edited yet, then those the gate rejected (ties: fewest edits, then the symptom order).
 * Within a family, keys edited fewest times in the lineage first (then size keys before ranking keys, then name
 * order); a key's values ordered by what worked: values
 * the gate accepted elsewhere first (largest gain first), then untried ones (numbers nearest the best accepted
 * value of that key first, else as listed), then values rejected elsewhere (least bad first).
 */
export function rankedKnobEdits(
  context: FeedbackContext,
  knobs: Record<string, ConfigValue[]>,
  config: Record<string, ConfigValue>,
): Array<{ key: string; value: ConfigValue; family: Family; operator: string }> {
  const { order } = familyOrder(context);
  const record = knobRecord(context);
  const editsPerFamily = new Map<Family, number>();
  const balance = new Map<Family, number>();
  const editsPerKey = new Map<string, number>();
  for (const entry of context.lineage) {
    if (entry.kind === 'harness' && entry.operator?.startsWith('knob:')) {
      const key = entry.operator.slice(5).split('=')[0] as string;
      const family = knobFamily(key);
      editsPerKey.set(key, (editsPerKey.get(key) ?? 0) + 1);
      editsPerFamily.set(family, (editsPerFamily.get(family) ?? 0) + 1);
      if (entry.gate) balance.set(family, (balance.get(family) ?? 0) + (entry.gate.accepted ? 1 : -1));
    }
  }
  // Exploit, then explore: a family whose edits the gate accepted more often than it rejected goes first (best
  // balance first), then families not edited yet, then those with more rejections; ties by fewest edits, then symptom.
  const families = [...order].sort(
    (a, b) =>
      (balance.get(b) ?? 0) - (balance.get(a) ?? 0) || (editsPerFamily.get(a) ?? 0) - (editsPerFamily.get(b) ?? 0) || order.indexOf(a) - order.indexOf(b),
  );
  const tried = new Set(context.tried);
  const edits: Array<{ key: string; value: ConfigValue; family: Family; operator: string }> = [];
  for (const family of families) {
    const keys = Object.keys(knobs).filter((k) => knobFamily(k) === family);
    keys.sort((a, b) => (editsPerKey.get(a) ?? 0) - (editsPerKey.get(b) ?? 0) || keyPriority(a) - keyPriority(b) || a.localeCompare(b));
    for (const key of keys) {
      const values = (knobs[key] ?? []).filter((value) => found(config, key, value) && !tried.has(knobOperator(key, value)));
      const bestAccepted = (knobs[key] ?? [])
        .filter((value) => record.get(knobOperator(key, value))?.accepted)
        .sort((a, b) => (record.get(knobOperator(key, b))?.gain ?? 0) - (record.get(knobOperator(key, a))?.gain ?? 0))[0];
      const rank = (value: ConfigValue): [number, number] => {
        const seen = record.get(knobOperator(key, value));
        // In w+h a width of 1 leaves the policy no choice, which switches the weights lever off: it goes last.
        if (context.mode === 'w+h' && family === 'width' && value === 1) return [3, 0];
        if (seen?.accepted) return [0, -seen.gain];
        if (!seen) {
          const near = typeof value === 'number' && typeof bestAccepted === 'number' ? Math.abs(value - bestAccepted) : (knobs[key] ?? []).indexOf(value);
          return [1, near];
        }
        return [2, -seen.gain];
      };
      values.sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
      for (const value of values) edits.push({ key, value, family, operator: knobOperator(key, value) });
    }
  }
  return edits;
}

/** Within the width family the size of the candidate set comes before how it is ranked (a ranking of all classes is inert). */
const keyPriority = (key: string) => (/candidate|width|topk|top_k|shortlist|option/i.test(key) ? 0 : 1);

const found = (config: Record<string, ConfigValue>, key: string, value: ConfigValue) => config[key] !== value;

/** The next untried one-knob edit of the scaffold, or the reason there is none. */
export function nextKnobEdit(context: FeedbackContext, knobs: Record<string, ConfigValue[]>): Decision | { none: string } {
  const scaffoldConfig = findScaffoldConfig(context.scaffold);
  if (!scaffoldConfig) return { none: 'the scaffold has no sia:config block, and the offline agent edits knobs only' };
  const { reason } = familyOrder(context);
  const next = rankedKnobEdits(context, knobs, scaffoldConfig.config)[0];
  if (!next) return { none: `every listed knob value was tried from this node (${new Set(context.tried).size} tried)` };
  const record = knobRecord(context).get(next.operator);
  const history = record ? ` (the gate ${record.accepted ? 'accepted' : 'rejected'} it elsewhere in the lineage, gain ${record.gain.toFixed(3)})` : '';
  return {
    kind: 'harness',
    scaffold: setScaffoldConfigValue(context.scaffold, next.key, next.value),
    operator: next.operator,
    rationale: `${reason}; the ${next.family} family is next by the lineage; setting ${next.key} from ${JSON.stringify(scaffoldConfig.config[next.key])} to ${JSON.stringify(next.value)}, not yet tried from this node${history}.`,
  };
}

function weightsDecision(context: FeedbackContext, why: string, hyperparams?: Record<string, unknown>): Decision {
  const advice = context.advice ?? adviseAlgorithm(context.rewardStatistics);
  const allowed = context.algorithms.map((algorithm) => algorithm.id);
  const extra = hyperparams ? { hyperparams } : {};
  const note = hyperparams ? ` with ${JSON.stringify(hyperparams)}` : '';
  if (allowed.length > 0 && !allowed.includes(advice.algorithm)) {
    const fallback = allowed[0] as string;
    return { kind: 'weights', algorithm: fallback, rationale: `${why}; the advised ${advice.algorithm} is not available, so ${fallback}${note}.`, ...extra };
  }
  return { kind: 'weights', algorithm: advice.algorithm, rationale: `${why}; ${advice.algorithm}${note} as advised: ${advice.reason}.`, ...extra };
}

/** Below this train success rate cloning has almost nothing to learn from: one harness edit goes first. */
const SPARSE_SUCCESS = 0.05;
/** Weights updates tried from one node at most: the first with the session's settings, a retry with a changed step. */
const WEIGHTS_TRIES = 2;

/**
 * Mode w+h: weights from every node they were not tried from (an accepted update or edit is such a node, so updates
 * compound and a better node gets its own try); after a rejected update, one harness edit, then one retry from the
 * same node with a smaller step (half the learning rate when the gate saw a loss, two more epochs when it saw a
 * gain within noise); a harness edit otherwise; stop only when neither lever has anything left.
 */
export function decideOffline(context: FeedbackContext, knobs: Record<string, ConfigValue[]>): Decision {
  const stats = context.rewardStatistics;
  // Rollout groups must vary inside an item: rewards that differ only between items give every group-relative
  // (and cloning) advantage nothing to learn from, e.g. a scaffold that leaves the policy one candidate.
  const rewardsVary = stats.n >= 2 && stats.std > 0 && (stats.source !== 'rollouts' || stats.pairwiseAvailability > 0);
  const weightsTries = context.tried.filter((entry) => entry === 'weights' || entry.startsWith('weights:')).length;
  const harnessTried = context.tried.some((entry) => entry.startsWith('knob:'));
  const lastTried = context.tried[context.tried.length - 1] ?? '';
  const sparse = stats.successRate < SPARSE_SUCCESS && (stats.negativeShare ?? 0) === 0;
  const canTrain = context.mode === 'w+h' && rewardsVary && weightsTries < WEIGHTS_TRIES;
  const firstTry = canTrain && weightsTries === 0;
  const retry = canTrain && weightsTries > 0 && lastTried.startsWith('knob:');
  if (firstTry && (!sparse || harnessTried)) {
    const why = sparse
      ? `a harness edit was tried from this node and rewards vary (std ${stats.std.toFixed(3)} over ${stats.n})`
      : `rewards vary (std ${stats.std.toFixed(3)} over ${stats.n}) and weights were not tried from this node`;
    return weightsDecision(context, why);
  }
  if (retry)
    return weightsDecision(
      context,
      `weights were rejected from this node once and a harness edit came between; retrying with a changed step`,
      retryHyperparams(context),
    );
  const edit = nextKnobEdit(context, knobs);
  if (!('none' in edit)) {
    if (!firstTry) return edit;
    return {
      ...edit,
      rationale: `only ${(stats.successRate * 100).toFixed(1)}% of train samples succeed, too few to learn from, so a harness edit first: ${edit.rationale}`,
    };
  }
  if (canTrain)
    return weightsDecision(context, `no harness edit is left (${edit.none}) and rewards vary`, weightsTries > 0 ? retryHyperparams(context) : undefined);
  const weightsNote =
    context.mode === 'h'
      ? ''
      : rewardsVary
        ? '; weights were already tried from this node'
        : '; rewards do not vary within items, so RL has nothing to learn from';
  return { kind: 'stop', rationale: `Nothing left to try: ${edit.none}${weightsNote}.` };
}

/**
 * The retry's change of step, read from the gate of the last weights update (the one from this node: a retry only
 * follows a rejected update and a rejected edit, so the decisions still start from the node the update came from).
 */
function retryHyperparams(context: FeedbackContext): Record<string, unknown> {
  const last = [...context.lineage].reverse().find((entry) => entry.kind === 'weights' && entry.gate);
  return last?.gate && last.gate.gain < 0 ? { lrScale: 0.5 } : { extraEpochs: 2 };
}

export function createOfflineAgents(options: OfflineAgentsOptions = {}): { meta: MetaAgent; feedback: FeedbackAgent } {
  const rules = loadPrompt(OFFLINE_RULES);
  const knobs = options.knobs ?? {};
  const prompt = { hash: rules.hash, text: rules.text };
  return {
    meta: {
      id: 'offline:meta',
      prompt,
      async writeScaffold({ reference }) {
        return {
          scaffold: { entry: reference.entry, files: { ...reference.files } },
          rationale: `Offline Meta-Agent: the task's reference scaffold, unchanged (rule set ${OFFLINE_RULES}).`,
          promptHash: rules.hash,
          usage: FREE,
        };
      },
    },
    feedback: {
      id: 'offline:feedback',
      prompt,
      async decide(context) {
        return { decision: decideOffline(context, knobs), promptHash: rules.hash, usage: FREE, attempts: 1 };
      },
    },
  };
}
