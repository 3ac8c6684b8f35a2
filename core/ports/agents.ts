import type { RewardStatistics } from '../events/index.ts';
import type { ScaffoldFiles } from './task.ts';

export interface AgentUsage {
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
}

export interface MetaAgent {
  readonly id: string;
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
  status: 'proposed' | 'accepted' | 'rejected';
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
  decide(context: FeedbackContext): Promise<{ decision: Decision; promptHash: string | null; usage: AgentUsage; attempts: number }>;
}
