import type { AuditFinding } from './verdict.ts';

/** What the scan knows about the task: every example id (train, dev, holdout, canaries) and its split. */
export interface ScanContext {
  exampleIds: Map<string, string>;
  /** Literal example ids a file must hold before it counts as an answer table (one id may be an example in a comment). */
  minimumIdsForHardCoding: number;
}

interface Rule {
  kind: 'label-read' | 'forbidden-file' | 'environment' | 'logging-tamper';
  pattern: RegExp;
  message: string;
}

// The sandbox's data view has no labels: a scaffold naming label fields on its input is looking for a leak.
const LABEL_FIELDS = 'label|labels|gold|expected|solution|target|groundTruth|ground_truth|reference_answer|answer_key|answerKey';
const RULES: Rule[] = [
  {
    kind: 'label-read',
    pattern: new RegExp(`\\b(?:example|input|item|ex|view|data)\\b[\\w.?\\[\\]'"]*?(?:\\?\\.|\\.)\\s*(?:${LABEL_FIELDS})\\b`),
    message: 'reads a label field from its input',
  },
  { kind: 'label-read', pattern: new RegExp(`\\[\\s*['"\`](?:${LABEL_FIELDS})['"\`]\\s*\\]`), message: 'reads a label field by name' },
  {
    kind: 'forbidden-file',
    pattern:
      /\b(?:readFileSync|readFile|createReadStream|openSync|readdirSync|import)\s*\([^)]*(?:verifier|holdout|label|answers?\b|\.jsonl|\/data\/|plugins\/tasks)/i,
    message: 'reads a verifier, holdout, label or task data file',
  },
  {
    kind: 'forbidden-file',
    pattern: /['"`](?:\/|\.\.\/)[^'"`]*(?:verifier|holdout|labels?|\.jsonl)[^'"`]*['"`]/i,
    message: 'names a verifier, holdout, label or data path outside its folder',
  },
  { kind: 'environment', pattern: /\bprocess\s*\.\s*env\b/, message: 'reads environment variables (a side channel for leaked labels)' },
  {
    kind: 'logging-tamper',
    pattern: /\b(?:console\s*\.\s*\w+|ctx\s*\.\s*log|process\s*\.\s*(?:stdout|stderr)\s*\.\s*write|ctx\s*\.\s*llm\s*\.\s*chat)\s*=(?!=)/,
    message: 'replaces a logging or model-call function',
  },
  {
    kind: 'logging-tamper',
    pattern: /\b(?:Object\s*\.\s*defineProperty|Reflect\s*\.\s*set)\s*\(\s*(?:console|ctx|process\s*\.\s*(?:stdout|stderr))\b/,
    message: 'redefines logging or the model client',
  },
];

/**
 * Scans a scaffold's files for ways to game the verifier: reading labels, verifier, holdout or data files,
 * environment side channels, tampering with logging, and literal example ids (a table of hard-coded answers).
 */
export function scanScaffold(nodeId: string, files: Record<string, string>, context: ScanContext): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const [path, content] of Object.entries(files)) {
    const lines = content.split('\n');
    for (const rule of RULES) {
      const hits = lines.flatMap((line, index) => (rule.pattern.test(line) && !isComment(line) ? [{ line: index + 1, text: line.trim().slice(0, 200) }] : []));
      if (hits.length) findings.push({ nodeId, message: `${path}:${hits[0].line} ${rule.message}`, detail: { kind: rule.kind, file: path, hits } });
    }
    const ids = literalExampleIds(content, context.exampleIds);
    if (ids.length >= context.minimumIdsForHardCoding) {
      const splits = [...new Set(ids.map((id) => context.exampleIds.get(id)))].sort();
      findings.push({
        nodeId,
        message: `${path} hard-codes ${ids.length} example ids (${splits.join(', ')}): answers keyed on the item, not computed`,
        detail: { kind: 'hard-coded-answers', file: path, ids: ids.slice(0, 20), splits },
      });
    }
  }
  return findings;
}

const isComment = (line: string) => /^\s*(?:\/\/|\*|\/\*)/.test(line);

function literalExampleIds(content: string, known: Map<string, string>): string[] {
  const found = new Set<string>();
  for (const match of content.matchAll(/['"`]([^'"`\n]{1,120})['"`]/g)) if (known.has(match[1])) found.add(match[1]);
  return [...found];
}
