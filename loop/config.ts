import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ValidationError } from '../core/errors.ts';
import { agentProviderNames, policyProviderNames } from '../plugins/providers/index.ts';
import { trainerNames } from '../plugins/trainers/index.ts';

/** Tokens the Feedback-Agent's prompt may fill with train evidence (a floor keeps the fixed parts in). */
const EvidenceTokens = z.number().int().min(4000).optional();

/**
 * sia.config.json: provider settings. Keys are named by environment variable only, so a config file (and
 * the experiment.created event that records it) never holds a secret. Flags win over the file.
 */
export const SiaConfig = z.strictObject({
  agents: z.enum(agentProviderNames).optional(),
  policy: z.enum(policyProviderNames).optional(),
  trainer: z.enum(trainerNames).optional(),
  anthropic: z
    .strictObject({ model: z.string().optional(), baseURL: z.string().url().optional(), apiKeyEnv: z.string().optional(), evidenceTokens: EvidenceTokens })
    .optional(),
  openaiAgents: z
    .strictObject({ model: z.string(), baseURL: z.string().url().optional(), apiKeyEnv: z.string().nullable().optional(), evidenceTokens: EvidenceTokens })
    .optional(),
  openaiPolicy: z.strictObject({ model: z.string(), baseURL: z.string().url(), apiKeyEnv: z.string().nullable().optional() }).optional(),
  modal: z
    .strictObject({
      appName: z.string().optional(),
      functionName: z.string().optional(),
      environment: z.string().optional(),
      volumeMount: z.string().optional(),
      /** `toy` runs the numpy worker in the function: a cheap check of a deployment, no GPU work. */
      backend: z.enum(['torch', 'toy']).optional(),
    })
    .optional(),
  local: z.strictObject({ python: z.string().optional(), backend: z.enum(['torch', 'toy']).optional() }).optional(),
});
export type SiaConfig = z.infer<typeof SiaConfig>;

export function loadConfig(file: string | undefined): SiaConfig {
  const path = file ?? 'sia.config.json';
  if (!existsSync(path)) {
    if (file) throw new ValidationError(`config file ${file} does not exist`, '--config');
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON: ${(error as Error).message}`, path);
  }
  const parsed = SiaConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`${issue.message}`, `${path}: ${issue.path.join('.') || '(root)'}`);
  }
  return parsed.data;
}
