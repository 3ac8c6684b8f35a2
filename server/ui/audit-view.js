import { api, h, link, shortId } from './dom.js';

/**
 * The experiment's latest audit: each check, pass or fail, and its evidence (summary, findings, numbers).
 * Stale when lineage nodes were created after the log position the audit looked at: its verdict says
 * nothing about them.
 */
export async function auditView(experiment, nodes, position) {
  const { latest } = await api(`/api/experiments/${encodeURIComponent(experiment.id)}/audit-status`);
  if (!latest || latest.position > position)
    return h(
      'section',
      { id: 'audit', class: 'audit' },
      h('p', { class: 'muted' }, 'not audited yet — run ', h('code', {}, `sia audit ${experiment.id}`), '.'),
    );
  const { audit } = latest;
  const newer = nodes.filter((node) => node.position > audit.atPosition);
  const nodeLink = (id) => link(`#/nodes/${encodeURIComponent(id)}`, shortId(id, experiment.id));
  return h(
    'section',
    { id: 'audit', class: `audit${newer.length ? ' stale' : ''}` },
    h(
      'p',
      {},
      `as of log position ${audit.atPosition} (recorded ${new Date(latest.recordedAt).toLocaleString()}): `,
      h('b', { class: audit.clean ? 'pass' : 'fail' }, audit.clean ? 'clean' : 'findings'),
    ),
    newer.length
      ? h(
          'p',
          { class: 'stale-warning' },
          h('b', {}, 'stale: '),
          `${newer.length} node${newer.length === 1 ? '' : 's'} added after this audit (`,
          newer.slice(0, 5).map((node, i) => [i ? ', ' : '', nodeLink(node.id)]),
          newer.length > 5 ? ', …' : '',
          ') — run ',
          h('code', {}, `sia audit ${experiment.id}`),
          ' again.',
        )
      : null,
    h(
      'table',
      { id: 'audit-checks' },
      h('tr', {}, h('th', {}, 'check'), h('th', {}, 'result'), h('th', {}, 'evidence')),
      audit.checks.map((check) =>
        h(
          'tr',
          { 'data-check': check.name },
          h('td', {}, check.name),
          h('td', { class: check.passed ? 'pass' : 'fail' }, check.passed ? 'pass' : 'FAIL'),
          h(
            'td',
            {},
            check.summary,
            check.findings.length
              ? h(
                  'ul',
                  {},
                  check.findings.map((finding) => h('li', {}, finding.nodeId ? [nodeLink(finding.nodeId), ' '] : null, finding.message)),
                )
              : null,
            Object.keys(check.measurements ?? {}).length
              ? h('details', {}, h('summary', {}, 'measurements'), h('pre', {}, JSON.stringify(check.measurements, null, 2)))
              : null,
          ),
        ),
      ),
    ),
  );
}
