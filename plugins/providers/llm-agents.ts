/**
 * Meta and Feedback agents on top of any chat model that can answer through one tool. Each provider (anthropic,
 * openai) supplies only `openConversation`; this file renders the versioned prompts, validates answers, retries
 * with the validation error fed back, sums usage and keeps the API key out of everything it returns.
 */
import { ModelBehaviorError, ValidationError } from '../../core/errors.ts';
import type { EvidenceCoverage } from '../../core/events/index.ts';
import type { AgentUsage, FeedbackAgent, FeedbackContext, MetaAgent } from '../../core/ports/agents.ts';
import type { ScaffoldFiles } from '../../core/ports/task.ts';
import { decisionAnswerSchema, parseDecisionAnswer, parseScaffoldAnswer, ScaffoldAnswer, toolInputSchema } from './decision-schema.ts';
import { defaultEvidenceBudget, type EvidenceBudget, renderEvidence } from './evidence-prompt.ts';
import { loadPrompt, renderPrompt } from './prompts.ts';
import { secretGuard } from './secrets.ts';

export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** One model reply: a tool's input object, or text that may hold JSON. */
export interface ModelReply {
  answer: unknown;
  usage: AgentUsage;
}

/** A multi-turn exchange with one model about one question. */
export interface Conversation {
  next(): Promise<ModelReply>;
  /** Tells the model why its last reply was refused, before `next` asks again. */
  reject(reason: string): void;
}

export type OpenConversation = (input: { system: string; user: string; tool: ToolSpec }) => Conversation;

export interface Prices {
  inputPerMillion: number;
  outputPerMillion: number;
}

export interface LlmAgentsOptions {
  /** Agent id prefix, e.g. `anthropic:claude-sonnet-4-6`. */
  id: string;
  openConversation: OpenConversation;
  /** The API key, only so it can be scrubbed from anything returned or thrown. */
  secret: string | null;
  maxAttempts?: number;
  /** How much evidence the Feedback prompt may carry (default: by model family, see defaultEvidenceBudget). */
  evidenceBudget?: Partial<EvidenceBudget>;
}

export const META_PROMPT = 'meta.v1';
export const FEEDBACK_PROMPT = 'feedback.v2';

export function costOf(promptTokens: number, completionTokens: number, prices: Prices | null | undefined): number | null {
  if (!prices) return null;
  return (promptTokens * prices.inputPerMillion + completionTokens * prices.outputPerMillion) / 1_000_000;
}

function addUsage(total: AgentUsage, more: AgentUsage): AgentUsage {
  return {
    promptTokens: total.promptTokens + more.promptTokens,
    completionTokens: total.completionTokens + more.completionTokens,
    costUsd: total.costUsd === null || more.costUsd === null ? null : total.costUsd + more.costUsd,
  };
}

/** Asks until `validate` accepts a reply; after maxAttempts, a ModelBehaviorError naming the last problem. */
async function askUntilValid<T>(agentId: string, conversation: Conversation, validate: (answer: unknown) => T, maxAttempts: number) {
  let usage: AgentUsage = { promptTokens: 0, completionTokens: 0, costUsd: 0 };
  let lastProblem = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const reply = await conversation.next();
    usage = addUsage(usage, reply.usage);
    try {
      return { value: validate(reply.answer), usage, attempts: attempt };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      lastProblem = error.message;
      conversation.reject(`Your answer was refused: ${error.message}. Answer again with the tool, fixing that.`);
    }
  }
  throw new ModelBehaviorError(`${agentId} gave no valid answer in ${maxAttempts} attempts; last problem: ${lastProblem}`, {
    hint: 'the loop records this decision as an error and continues',
  });
}

export function formatFiles(scaffold: ScaffoldFiles): string {
  return Object.keys(scaffold.files)
    .sort()
    .map((path) => `### ${path}\n\`\`\`js\n${scaffold.files[path]}\n\`\`\``)
    .join('\n\n');
}

/**
 * The Feedback prompt's values and what they carried: dev only as the aggregate score; holdout is not part of the
 * context at all; train evidence filled to the budget (which the template's own text counts against) in the order
 * evidence-prompt.ts states.
 */
export function feedbackPromptValues(
  context: FeedbackContext,
  budget: EvidenceBudget,
  templateText: string,
): { values: Record<string, string>; evidence: EvidenceCoverage } {
  const fixed: Record<string, string> = {
    iteration: String(context.iteration),
    mode: context.mode,
    taskId: context.task.id,
    metricName: context.task.metricName,
    taskDescription: context.task.description,
    trainScore: context.trainScore.toFixed(4),
    devScore: context.devScore.toFixed(4),
    rewardStatistics: JSON.stringify(context.rewardStatistics),
    advice: context.advice ? `${context.advice.algorithm}: ${context.advice.reason}` : '(none)',
    algorithms: context.mode === 'h' ? '(none: mode h edits the harness only)' : context.algorithms.map((a) => `- ${a.id}: ${a.suits}`).join('\n') || '(any)',
    tried: context.tried.join(', ') || '(nothing)',
    scaffoldEntry: context.scaffold.entry,
    trajectoryTotal: String(context.trainTrajectories.length),
  };
  const rendered = renderEvidence({
    fixedText: [templateText, ...Object.values(fixed)].join('\n'),
    scaffold: formatFiles(context.scaffold),
    lessons: context.lineage,
    trajectories: context.trainTrajectories,
    budget,
  });
  const values = {
    ...fixed,
    scaffoldFiles: rendered.scaffold,
    lineage: rendered.lessons,
    trajectoryCount: String(rendered.coverage.itemsShown),
    trajectories: rendered.trajectories,
    omitted: rendered.omitted,
  };
  return { values, evidence: rendered.coverage };
}

export function createLlmAgents(options: LlmAgentsOptions): { meta: MetaAgent; feedback: FeedbackAgent } {
  const maxAttempts = options.maxAttempts ?? 3;
  const metaPrompt = loadPrompt(META_PROMPT);
  const feedbackPrompt = loadPrompt(FEEDBACK_PROMPT);
  const budget = { ...defaultEvidenceBudget(options.id), ...options.evidenceBudget };
  // Errors thrown by SDKs may quote request headers or bodies; scrub before they reach logs or events.
  const guard = secretGuard(options.secret);

  const meta: MetaAgent = {
    id: `${options.id}:meta`,
    prompt: { hash: metaPrompt.hash, text: metaPrompt.text },
    writeScaffold: (input) =>
      guard(async () => {
        const { system, user } = renderPrompt(metaPrompt, {
          taskId: input.task.id,
          taskDescription: input.task.description,
          referenceEntry: input.reference.entry,
          referenceFiles: formatFiles(input.reference),
        });
        const tool = { name: 'submit_scaffold', description: 'Submit the scaffold files', inputSchema: toolInputSchema(ScaffoldAnswer) };
        const result = await askUntilValid(meta.id, options.openConversation({ system, user, tool }), parseScaffoldAnswer, maxAttempts);
        return { ...result.value, promptHash: metaPrompt.hash, usage: result.usage };
      }),
  };

  const feedback: FeedbackAgent = {
    id: `${options.id}:feedback`,
    prompt: { hash: feedbackPrompt.hash, text: feedbackPrompt.text },
    decide: (context) =>
      guard(async () => {
        const { values, evidence } = feedbackPromptValues(context, budget, feedbackPrompt.text);
        const { system, user } = renderPrompt(feedbackPrompt, values);
        const allowed = context.algorithms.map((algorithm) => algorithm.id);
        const tool = {
          name: 'submit_decision',
          description: 'Submit the decision: harness edit, weights update or stop',
          inputSchema: toolInputSchema(decisionAnswerSchema(context.mode, allowed)),
        };
        const conversation = options.openConversation({ system, user, tool });
        const result = await askUntilValid(feedback.id, conversation, (answer) => parseDecisionAnswer(answer, context), maxAttempts);
        return { decision: result.value, promptHash: feedbackPrompt.hash, usage: result.usage, attempts: result.attempts, evidence };
      }),
  };
  return { meta, feedback };
}
