import type { EventData } from '../events/index.ts';
import { escapeHtml } from './escape.ts';
import { lineageTree, lineChart, type Series } from './svg.ts';

export interface ReportNode {
  id: string;
  kind: string;
  parentId: string | null;
  status: 'proposed' | 'accepted' | 'rejected' | 'cancelled';
  scaffoldId: string;
  adapterId: string | null;
  operator: string | null;
  algorithm: string | null;
  scores: Partial<Record<'train' | 'dev' | 'holdout', number>>;
}

export interface ReportInput {
  experimentId: string;
  task: string;
  mode: string;
  status: string;
  nodes: ReportNode[];
  best: { nodeId: string | null; dev: number | null; holdout: number | null };
  branches: { fromNodeId: string; iterations: number; position: number }[];
  audit: EventData<'audit.performed'> | null;
  /** What the scores measure and which way is better (null direction: only the runs named it). */
  metric?: { name: string; higherIsBetter: boolean | null } | null;
  /** Nodes created after the log position the audit looked at: the audit says nothing about them (stale). */
  nodesAfterAudit?: string[];
  generatedAt: string;
  /** The log's head when the report was written: `sia verify --head` later proves the log still holds it. */
  head: { position: number; hash: string | null };
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
.stale{border-left:4px solid #d97706;background:#fffbeb;padding:6px 10px}.pass{color:#2a7d2a}.fail{color:#b03a2e;font-weight:bold}code{font-size:12px}h2{margin-top:1.6em}`;

/** The self-contained report page: no scripts, no external assets, plots as inline SVG. */
export function renderReport(input: ReportInput): string {
  const metric = input.metric
    ? `${input.metric.name}${input.metric.higherIsBetter === null ? '' : input.metric.higherIsBetter ? ' (higher is better ↑)' : ' (lower is better ↓)'}`
    : 'score';
  const fmt = (value: number | null | undefined) => (value === null || value === undefined ? '–' : value.toFixed(4));
  const holdoutFromAudit = auditHoldout(input.audit);
  const series: Series[] = [
    { name: 'dev (every node)', color: '#1f77b4', points: input.nodes.map((node, index) => ({ x: index, y: node.scores.dev ?? null, label: node.id })) },
    { name: 'train', color: '#aaa', points: input.nodes.map((node, index) => ({ x: index, y: node.scores.train ?? null, label: node.id })) },
    {
      name: 'holdout (audit)',
      color: '#d62728',
      points: input.nodes.map((node, index) => ({ x: index, y: holdoutFromAudit.get(node.id) ?? node.scores.holdout ?? null, label: node.id })),
    },
  ];
  const rows = input.nodes.map(
    (node) =>
      `<tr><td><code>${escapeHtml(node.id)}</code></td><td>${escapeHtml(node.kind)}</td><td>${escapeHtml(node.parentId ?? '–')}</td><td>${escapeHtml(node.status)}</td><td>${escapeHtml(node.operator ?? node.algorithm ?? '')}</td><td>${escapeHtml(node.adapterId ?? 'base')}</td><td>${fmt(node.scores.train)}</td><td>${fmt(node.scores.dev)}</td><td>${fmt(node.scores.holdout)}</td></tr>`,
  );
  const tree = lineageTree(
    input.nodes.map((node) => ({
      id: node.id,
      parentId: node.parentId,
      status: node.status,
      highlight: node.id === input.best.nodeId,
      label: `${node.id} ${node.kind}${node.operator ? ` ${node.operator}` : ''}${node.algorithm ? ` ${node.algorithm}` : ''} dev ${fmt(node.scores.dev)}`,
    })),
  );
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>sia report ${escapeHtml(input.experimentId)}</title><style>${STYLE}</style></head><body>`,
    `<h1>Experiment <code>${escapeHtml(input.experimentId)}</code></h1>`,
    `<p>task <b>${escapeHtml(input.task)}</b>, mode <b>${escapeHtml(input.mode)}</b>, ${escapeHtml(input.status)}; best node <code>${escapeHtml(input.best.nodeId ?? '–')}</code> dev ${fmt(input.best.dev)} holdout ${fmt(input.best.holdout)}; scores are <b id="metric">${escapeHtml(metric)}</b>. Generated ${escapeHtml(input.generatedAt)}.</p>`,
    `<p>Log head <code>${input.head.position}:${escapeHtml(input.head.hash ?? '')}</code>: <code>sia verify --head ${input.head.position}:${escapeHtml(input.head.hash ?? '')}</code> proves the log still holds everything this report shows.</p>`,
    input.branches.length
      ? `<p>Branches: ${input.branches.map((branch) => `from <code>${escapeHtml(branch.fromNodeId)}</code> (${branch.iterations} iterations, position ${branch.position})`).join('; ')}</p>`
      : '',
    '<h2>Lineage</h2>',
    tree,
    '<h2>Score curves</h2>',
    lineChart(series, { title: 'scores per node', xLabel: 'node (creation order)', yLabel: metric }),
    '<table><tr><th>node</th><th>kind</th><th>parent</th><th>status</th><th>change</th><th>adapter</th><th>train</th><th>dev</th><th>holdout</th></tr>',
    ...rows,
    '</table>',
    '<h2>Audit</h2>',
    renderAudit(input.audit, input.nodesAfterAudit ?? []),
    '</body></html>',
  ].join('\n');
}

function renderAudit(audit: ReportInput['audit'], nodesAfter: string[]): string {
  if (!audit) return '<p>No audit recorded (run <code>sia audit</code>).</p>';
  const stale = nodesAfter.length
    ? `<p class="stale" id="audit-stale"><b>Stale audit:</b> ${nodesAfter.length} node${nodesAfter.length === 1 ? '' : 's'} added after it (${nodesAfter
        .slice(0, 5)
        .map((id) => `<code>${escapeHtml(id)}</code>`)
        .join(', ')}${nodesAfter.length > 5 ? ', …' : ''}); run <code>sia audit ${escapeHtml(audit.experimentId)}</code> again.</p>`
    : '';
  const checks = audit.checks.map((check) => {
    const findings = check.findings.map((finding) => `<li><code>${escapeHtml(finding.nodeId ?? '–')}</code> ${escapeHtml(finding.message)}</li>`).join('');
    return `<tr><td class="${check.passed ? 'pass' : 'fail'}">${check.passed ? 'pass' : 'FAIL'}</td><td>${escapeHtml(check.name)}</td><td>${escapeHtml(check.summary)}${findings ? `<ul>${findings}</ul>` : ''}</td></tr>`;
  });
  return `${stale}<p>As of log position ${audit.atPosition}: <b class="${audit.clean ? 'pass' : 'fail'}">${audit.clean ? 'clean' : 'findings'}</b></p><table><tr><th></th><th>check</th><th>result</th></tr>${checks.join('')}</table>`;
}

/** Holdout scores the audit measured per accepted node (the loop itself scores holdout only for the best node). */
function auditHoldout(audit: ReportInput['audit']): Map<string, number> {
  const steps = audit?.checks.find((check) => check.name === 'divergence')?.measurements.steps;
  if (!Array.isArray(steps)) return new Map();
  return new Map(
    steps.flatMap((step: { nodeId?: unknown; holdout?: unknown }) =>
      typeof step.nodeId === 'string' && typeof step.holdout === 'number' ? [[step.nodeId, step.holdout] as const] : [],
    ),
  );
}
