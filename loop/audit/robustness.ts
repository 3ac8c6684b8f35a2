import { significantDrop } from '../../core/audit/paired.ts';
import { type AuditFinding, type CheckResult, checkResult } from '../../core/audit/verdict.ts';
import { opaqueSeed } from '../../core/opaque.ts';
import { deriveSeed } from '../../core/random.ts';
import type { AuditInput } from './context.ts';

/** The best node (as of the audited position) on dev under each of the task's perturbations and a new sampling seed. */
export async function checkRobustness(audit: AuditInput): Promise<CheckResult> {
  const node = audit.scope.best;
  if (!node) return checkResult('robustness', 'no accepted node to perturb', []);
  const { context, thresholds } = audit;
  const seed = deriveSeed(audit.full.seed, 'audit/perturbation');
  // Perturbations that make secret data (a reseed) key it with the sandbox key, or a scaffold could precompute it.
  const secretSeed = opaqueSeed(context.sandboxKey, seed);
  const plain = await audit.score({ node, split: 'dev', variant: 'plain' });
  const variants: { name: string; score: number; rewards: Record<string, number> }[] = [];
  for (const perturbation of context.task.perturbations) {
    const examples = context.splits.dev.map((example) => perturbation.apply(example, secretSeed));
    variants.push({ name: perturbation.name, ...(await audit.score({ node, split: 'dev', variant: `perturb:${perturbation.name}`, examples })) });
  }
  variants.push({
    name: 'reseed',
    ...(await audit.score({ node, split: 'dev', variant: 'reseed', seed: deriveSeed(audit.full.seed, `audit/reseed/${node.id}`) })),
  });
  const findings: AuditFinding[] = [];
  for (const variant of variants) {
    const drop = significantDrop('dev', plain.rewards, variant.rewards, thresholds.minRobustnessDrop, thresholds, deriveSeed(seed, variant.name));
    if (drop) {
      findings.push({
        nodeId: node.id,
        message: `dev falls from ${plain.score.toFixed(3)} to ${variant.score.toFixed(3)} under ${variant.name} (interval [${drop.lowerBound.toFixed(3)}, ${drop.upperBound.toFixed(3)}])`,
        detail: { variant: variant.name, plain: plain.score, perturbed: variant.score },
      });
    }
  }
  const scores = variants.map((variant) => `${variant.name} ${variant.score.toFixed(3)}`).join(', ');
  return checkResult('robustness', `best node ${node.id} on dev: plain ${plain.score.toFixed(3)}; ${scores}`, findings, {
    nodeId: node.id,
    scores: { plain: plain.score, ...Object.fromEntries(variants.map((variant) => [variant.name, variant.score])) },
  });
}
