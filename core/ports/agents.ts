import type { EvidenceCoverage, RewardStatistics } from '../events/index.ts';
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

/** Why a train item did not earn the full reward; null when it did. */
export type FailureKind = 'unparsable' | 'wrong' | 'partial' | 'timeout' | 'error';

/** One model call the scaffold made for an item: the messages it sent and what the policy answered. */
export interface ModelCallSample {
  messages: { role: string; content: string }[];
  completion: string;
}

/** One train item with its whole story: what went in, what was expected, what came out and why it scored so. */
export interface TrajectorySample {
  exampleId: string;
  input: unknown;
  /** The train label (train labels are fair to show; dev and holdout never reach the agent). */
  expected: unknown;
  output: unknown;
  reward: number;
  failure: FailureKind | null;
  /** What the verifier said beyond the reward. */
  detail: Record<string, unknown> | null;
  errors: string[];
  calls: ModelCallSample[];
}

/** One node of the lineage with the lesson it taught: what changed, and what the gate said. */
export interface LineageDigestEntry {
  nodeId: string;
  parentId: string | null;
  kind: 'seed' | 'harness' | 'weights';
  status: 'proposed' | 'accepted' | 'rejected' | 'cancelled';
  what: string;
  devScore: number | null;
  /** The harness edit's operator, or the weights update's algorithm. */
  operator: string | null;
  /** A short summary of the scaffold diff (harness edits). */
  diffSummary: string | null;
  gate: { accepted: boolean; gain: number; lower: number; upper: number; reason: string } | null;
}

export interface FeedbackContext {
  iteration: number;
  mode: 'h' | 'w+h';
  task: { id: string; description: string; metricName: string };
  scaffold: ScaffoldFiles;
  /** Every train item of the node's last train run, failures first and spread over failure kinds. Dev reaches the agent only as an aggregate; holdout never. */
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
  decide(
    context: FeedbackContext,
  ): Promise<{ decision: Decision; promptHash: string | null; usage: AgentUsage; attempts: number; evidence?: EvidenceCoverage }>;
}
