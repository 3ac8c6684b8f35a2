/**
 * Deterministic Meta and Feedback agents that call no model (the embedded default: no keys, no network).
 * Their rule set is plugins/providers/prompts/offline-rules.v2.md, hashed like an LLM prompt. The Meta-Agent keeps the
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
  ['width', /candidate|width|topk|top_k|shortlist|option/i],
  ['voting', /sample|vote|voting|retr|temperature/i],
  ['prompt', /prompt|style|instruction|shot|example/i],
];

export const OFFLINE_RULES = 'offline-rules.v2';
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
  const disagreement = context.rewardStatistics.pairwiseAvailability;
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

/** The next untried one-knob edit of the scaffold, or the reason there is none. */
export function nextKnobEdit(context: FeedbackContext, knobs: Record<string, ConfigValue[]>): Decision | { none: string } {
  const found = findScaffoldConfig(context.scaffold);
  if (!found) return { none: 'the scaffold has no sia:config block, and the offline agent edits knobs only' };
  const { order, reason } = familyOrder(context);
  const tried = new Set(context.tried);
  for (const family of order) {
    for (const key of Object.keys(knobs)
      .filter((k) => knobFamily(k) === family)
      .sort()) {
      for (const value of knobs[key] ?? []) {
        const operator = knobOperator(key, value);
        if (found.config[key] === value || tried.has(operator)) continue;
        return {
          kind: 'harness',
          scaffold: setScaffoldConfigValue(context.scaffold, key, value),
          operator,
          rationale: `${reason}; setting ${key} (${family}) from ${JSON.stringify(found.config[key])} to ${JSON.stringify(value)}, not yet tried from this node.`,
        };
      }
    }
  }
  return { none: `every listed knob value was tried from this node (${tried.size} tried)` };
}

function weightsDecision(context: FeedbackContext, why: string): Decision {
  const advice = context.advice ?? adviseAlgorithm(context.rewardStatistics);
  const allowed = context.algorithms.map((algorithm) => algorithm.id);
  if (allowed.length > 0 && !allowed.includes(advice.algorithm)) {
    const fallback = allowed[0] as string;
    return { kind: 'weights', algorithm: fallback, rationale: `${why}; the advised ${advice.algorithm} is not available, so ${fallback}.` };
  }
  return { kind: 'weights', algorithm: advice.algorithm, rationale: `${why}; ${advice.algorithm} as advised: ${advice.reason}.` };
}

/** Below this train success rate cloning has almost nothing to learn from: one harness edit goes first. */
const SPARSE_SUCCESS = 0.05;

/**
 * Mode w+h alternates the levers by what the log says: weights from every node they were not tried from (an accepted
 * update is itself such a node, so updates compound while the gate keeps them), a harness edit once weights were tried
 * (or while rewards are too sparse to learn from and no edit was tried yet), weights again when no edit is left.
 */
export function decideOffline(context: FeedbackContext, knobs: Record<string, ConfigValue[]>): Decision {
  const stats = context.rewardStatistics;
  const rewardsVary = stats.n >= 2 && stats.std > 0;
  const weightsTried = context.tried.some((entry) => entry === 'weights' || entry.startsWith('weights:'));
  const harnessTried = context.tried.some((entry) => entry.startsWith('knob:'));
  const sparse = stats.successRate < SPARSE_SUCCESS;
  const canTrain = context.mode === 'w+h' && rewardsVary && !weightsTried;
  if (canTrain && (!sparse || harnessTried)) {
    const why = sparse
      ? `a harness edit was tried from this node and rewards vary (std ${stats.std.toFixed(3)} over ${stats.n})`
      : `rewards vary (std ${stats.std.toFixed(3)} over ${stats.n}) and weights were not tried from this node`;
    return weightsDecision(context, why);
  }
  const edit = nextKnobEdit(context, knobs);
  if (!('none' in edit)) {
    if (!canTrain) return edit;
    return {
      ...edit,
      rationale: `only ${(stats.successRate * 100).toFixed(1)}% of train samples succeed, too few to learn from, so a harness edit first: ${edit.rationale}`,
    };
  }
  if (canTrain) return weightsDecision(context, `no harness edit is left (${edit.none}) and rewards vary`);
  const weightsNote =
    context.mode === 'h' ? '' : rewardsVary ? '; weights were already tried from this node' : '; rewards do not vary, so RL has nothing to learn from';
  return { kind: 'stop', rationale: `Nothing left to try: ${edit.none}${weightsNote}.` };
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
