import type { RewardStatistics } from '../events/index.ts';
import type { ScaffoldFiles } from './task.ts';

export interface AgentUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
}

/** The versioned prompt (or offline rule set) an agent works from, so the loop can store it as a blob under its hash. */
export interface AgentPrompt {
  hash: string;
  text: string;
}

export interface MetaAgent {
  readonly id: string;
  readonly prompt?: AgentPrompt;
  writeScaffold(input: { task: { id: string; description: string }; reference: ScaffoldFiles }): Promise<{
    scaffold: ScaffoldFiles;
    rationale: string;
    /** sha256 of the versioned prompt that produced it (stored as a blob). */
    promptHash: string | null;
    usage: AgentUsage;
  }>;
}

/** One train item as the Feedback-Agent sees it: what went in, what came out, how it scored. */
export interface TrajectorySample {
  exampleId: string;
  input: unknown;
  output: unknown;
  reward: number;
  errors: string[];
}

export interface LineageDigestEntry {
  nodeId: string;
  kind: 'seed' | 'harness' | 'weights';
  status: 'proposed' | 'accepted' | 'rejected' | 'cancelled';
  what: string;
  devScore: number | null;
}

export interface FeedbackContext {
  iteration: number;
  mode: 'h' | 'w+h';
  task: { id: string; description: string; metricName: string };
  scaffold: ScaffoldFiles;
  /** Train trajectories with failures sampled first. Dev reaches the agent only as an aggregate; holdout never. */
  trainTrajectories: TrajectorySample[];
  trainScore: number;
  devScore: number;
  rewardStatistics: RewardStatistics;
  advice: { algorithm: string; reason: string } | null;
  algorithms: { id: string; suits: string }[];
  lineage: LineageDigestEntry[];
  /** Operators (offline agent) or kinds already tried from this node, so the agent does not repeat itself. */
  tried: string[];
}

export type Decision =
  | { kind: 'harness'; scaffold: ScaffoldFiles; operator: string; rationale: string }
  | { kind: 'weights'; algorithm: string; rationale: string; hyperparams?: Record<string, unknown> }
  | { kind: 'stop'; rationale: string };

export interface FeedbackAgent {
  readonly id: string;
  readonly prompt?: AgentPrompt;
  decide(context: FeedbackContext): Promise<{ decision: Decision; promptHash: string | null; usage: AgentUsage; attempts: number }>;
}
