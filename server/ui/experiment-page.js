import { scoreCurves } from './curves.js';
import { api, fill, h, link, score, shortId } from './dom.js';
import { lineageTree } from './tree.js';

/** One experiment: lineage tree, score curves, decisions; a slider replays the lineage as of any position. */
export async function experimentPage(view, id, state) {
  const at = state.at;
  const [detail, lineage] = await Promise.all([
    api(`/api/experiments/${encodeURIComponent(id)}`),
    api(`/api/experiments/${encodeURIComponent(id)}/lineage${at ? `?at=${at}` : ''}`),
  ]);
  const { experiment, nodes } = lineage;
  const open = (nodeId) => (location.hash = `#/nodes/${encodeURIComponent(nodeId)}`);
  const best = nodes.find((node) => node.id === experiment.bestNodeId);

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
      {},
      `${nodes.length} nodes, ${experiment.decisions.length} decisions. `,
      best
        ? [
            'best ',
            link(`#/nodes/${encodeURIComponent(best.id)}`, shortId(best.id, experiment.id)),
            ` — dev ${score(best.scores.dev)}, holdout ${score(best.scores.holdout)}`,
          ]
        : 'no best node yet.',
    ),
    h('div', { class: 'timetravel' }, 'time travel', slider, label, at ? h('button', { onclick: () => state.travel(null) }, 'back to live') : null),
    h(
      'div',
      { class: 'panels' },
      h(
        'section',
        { class: 'panel' },
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
        { class: 'panel' },
        h('h2', {}, 'scores over iterations'),
        h(
          'div',
          { class: 'legend' },
          ['train', 'dev', 'holdout'].map((split) => h('span', {}, h('i', { class: `swatch ${split}` }), split)),
          h('span', {}, '○ rejected'),
        ),
        scoreCurves(nodes),
      ),
    ),
    h('h2', {}, 'decisions'),
    h(
      'table',
      {},
      h('tr', {}, h('th', {}, 'iteration'), h('th', {}, 'from node'), h('th', {}, 'kind'), h('th', {}, 'algorithm')),
      experiment.decisions.map((decision) =>
        h(
          'tr',
          {},
          h('td', { class: 'num' }, decision.iteration),
          h('td', {}, link(`#/nodes/${encodeURIComponent(decision.nodeId)}`, shortId(decision.nodeId, experiment.id))),
          h('td', {}, h('span', { class: `badge ${decision.kind}` }, decision.kind)),
          h('td', {}, decision.algorithm ?? ''),
        ),
      ),
    ),
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
