import { auditView } from './audit-view.js';
import { scoreCurves } from './curves.js';
import { decisionsTable } from './decisions-table.js';
import { allPages, api, fill, h, link, metricLabel, metricOf, score, shortId } from './dom.js';
import { lineageTree } from './tree.js';

/** One experiment: lineage tree, score curves, decisions; a slider replays the lineage as of any position. */
export async function experimentPage(view, id, state) {
  const at = state.at;
  const [detail, lineage] = await Promise.all([
    api(`/api/experiments/${encodeURIComponent(id)}`),
    allPages(`/api/experiments/${encodeURIComponent(id)}/lineage${at ? `?at=${at}` : ''}`, 'nodes'),
  ]);
  const { nodes } = lineage;
  // Pages carry the experiment as of their position without its decision list: those come from the detail, cut
  // at that position (the log is append-only, so the decisions as of a position are the ones recorded by then).
  const experiment = { ...lineage.experiment, decisions: detail.experiment.decisions.filter((decision) => decision.position <= lineage.position) };
  const open = (nodeId) => (location.hash = `#/nodes/${encodeURIComponent(nodeId)}`);
  const best = nodes.find((node) => node.id === experiment.bestNodeId);
  const [metric, audit] = await Promise.all([metricOf(id), auditView(experiment, nodes, lineage.position)]);
  const unit = h('span', { class: 'metric' }, metricLabel(metric));

  const slider = h('input', { type: 'range', min: detail.experiment.position, max: detail.position, value: lineage.position, 'aria-label': 'log position' });
  const label = h('span', { class: 'muted' }, at ? `as of position ${lineage.position}` : `live (position ${lineage.position})`);
  slider.addEventListener('input', () => (label.textContent = `as of position ${slider.value}`));
  slider.addEventListener('change', () => state.travel(Number(slider.value) >= detail.position ? null : Number(slider.value)));

  fill(
    view,
    h(
      'h1',
      {},
      `${experiment.id} `,
      h('span', { class: 'badge' }, experiment.status),
      ' ',
      h('span', { class: 'muted' }, `${experiment.taskId} · mode ${experiment.mode} · seed ${experiment.seed}`),
    ),
    h(
      'p',
      { id: 'metric', title: metric?.description ?? '' },
      'metric: ',
      h('b', {}, metric?.name ?? 'unknown'),
      metric?.higherIsBetter === null || !metric ? ' (direction not recorded)' : metric.higherIsBetter ? ' — higher is better ↑' : ' — lower is better ↓',
      metric?.description ? h('span', { class: 'muted' }, ` · ${metric.description}`) : null,
    ),
    h(
      'p',
      {},
      `${nodes.length} nodes, ${experiment.decisions.length} decisions. `,
      best
        ? [
            'best ',
            link(`#/nodes/${encodeURIComponent(best.id)}`, shortId(best.id, experiment.id)),
            ` — dev ${score(best.scores.dev)}, holdout ${score(best.scores.holdout)} `,
            unit,
          ]
        : 'no best node yet.',
    ),
    h('div', { class: 'timetravel' }, 'time travel', slider, label, at ? h('button', { onclick: () => state.travel(null) }, 'back to live') : null),
    h(
      'div',
      { class: 'panels' },
      h(
        'section',
        { class: 'panel tree' },
        h('h2', {}, 'lineage'),
        h(
          'div',
          { class: 'legend' },
          h('span', {}, h('i', { class: 'swatch harness' }), 'harness edit'),
          h('span', {}, h('i', { class: 'swatch weights' }), 'weight update'),
          h('span', {}, h('i', { class: 'swatch rejected' }), 'rejected'),
        ),
        lineageTree(nodes, experiment, open),
      ),
      h(
        'section',
        { class: 'panel chart' },
        h('h2', {}, 'scores over iterations ', unit.cloneNode(true)),
        h(
          'div',
          { class: 'legend' },
          ['train', 'dev', 'holdout'].map((split) => h('span', {}, h('i', { class: `swatch ${split}` }), split)),
          h('span', {}, '○ rejected'),
        ),
        scoreCurves(nodes, metric),
      ),
    ),
    h('h2', {}, 'decisions'),
    decisionsTable(experiment, nodes, metric),
    h('h2', {}, 'audit'),
    audit,
  );
  return {
    position: lineage.position,
    title: [
      ['experiments', '#/'],
      [experiment.id, null],
    ],
    live: !at,
  };
}
