import { diffView } from './config-diff.js';
import { gain } from './decisions-table.js';
import { api, fill, h, link, metricLabel, metricOf, score, shortId } from './dom.js';
import { loadSteps } from './run-steps.js';

/** One node: its scores, the scaffold diff and files, the adapter, and each run's steps (paged). */
export async function nodePage(view, id) {
  const { node, scaffold, adapter, runs, decisions, position } = await api(`/api/nodes/${encodeURIComponent(id)}`);
  const steps = h('div', { id: 'run-steps' });
  const metric = await metricOf(node.experimentId);
  const diff = scaffold.diff ? diffView(scaffold.diff) : null;
  const showRun = (runId) => loadSteps(steps, runId, 0, true);

  fill(
    view,
    h(
      'h1',
      {},
      shortId(node.id, node.experimentId),
      ' ',
      h('span', { class: `badge ${node.kind}` }, node.kind),
      ' ',
      h('span', { class: `badge ${node.status}` }, node.status),
    ),
    h('p', {}, node.rationale),
    h(
      'table',
      {},
      h('tr', {}, h('th', {}, 'iteration'), h('td', {}, node.iteration)),
      h(
        'tr',
        {},
        h('th', {}, 'parent'),
        h('td', {}, node.parentId ? link(`#/nodes/${encodeURIComponent(node.parentId)}`, shortId(node.parentId, node.experimentId)) : '—'),
      ),
      h('tr', {}, h('th', {}, 'scaffold'), h('td', {}, h('code', {}, scaffold.scaffoldId.slice(0, 16)))),
      h('tr', {}, h('th', {}, 'adapter'), h('td', {}, node.adapterId ?? 'base weights')),
      h('tr', {}, h('th', {}, 'author'), h('td', {}, `${node.author}${node.algorithm ? ` · ${node.algorithm}` : ''}`)),
      h(
        'tr',
        {},
        h('th', {}, 'scores'),
        h(
          'td',
          {},
          `train ${score(node.scores.train)} · dev ${score(node.scores.dev)} · holdout ${score(node.scores.holdout)} `,
          h('span', { class: 'metric' }, metricLabel(metric)),
        ),
      ),
      node.comparison
        ? h(
            'tr',
            {},
            h('th', {}, 'gate'),
            h('td', {}, h('span', { class: `verdict ${node.status}` }, node.status), ` — gain ${gain(node.comparison)} — ${node.comparison.reason}`),
          )
        : null,
    ),
    h('h2', {}, 'scaffold diff'),
    diff?.settings.length
      ? h(
          'p',
          { id: 'changed-settings' },
          'changed settings: ',
          diff.settings.map((text, i) => [i ? ', ' : '', h('code', {}, text)]),
        )
      : null,
    diff
      ? h('pre', { id: 'scaffold-diff' }, diff.lines)
      : h('p', { class: 'muted' }, node.kind === 'weights' ? 'weight update: harness frozen' : 'seed scaffold: no parent to compare with'),
    h('h2', {}, 'scaffold files'),
    h(
      'div',
      { id: 'scaffold-files' },
      scaffold.files.map((file) =>
        h('details', {}, h('summary', {}, `${file.path}${file.path === scaffold.entry ? ' (entry)' : ''}`), h('pre', {}, file.content ?? '(blob missing)')),
      ),
    ),
    adapter
      ? [
          h('h2', {}, 'adapter'),
          h('p', {}, `${adapter.adapterId} · ${adapter.algorithm} on ${adapter.baseModel} · `, h('code', {}, adapter.uri)),
          h('pre', { id: 'adapter-manifest' }, JSON.stringify(adapter.manifest ?? { files: adapter.files, hyperparams: adapter.hyperparams }, null, 2)),
        ]
      : null,
    decisions.length ? [h('h2', {}, 'decisions from this node'), evidenceTable(decisions)] : null,
    h('h2', {}, 'runs'),
    h(
      'table',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'run'),
        h('th', {}, 'split'),
        h('th', {}, 'purpose'),
        h('th', {}, ['score ', h('span', { class: 'metric' }, metricLabel(metric))]),
        h('th', {}, ''),
      ),
      runs.map((run) =>
        h(
          'tr',
          {},
          h('td', {}, shortId(run.runId, node.experimentId)),
          h('td', {}, run.split),
          h('td', {}, run.purpose),
          h('td', { class: 'num' }, score(run.score)),
          h('td', {}, h('button', { onclick: () => showRun(run.runId) }, 'steps')),
        ),
      ),
    ),
    steps,
  );
  if (runs.length) await showRun(runs[0].runId);
  return {
    position,
    title: [
      ['experiments', '#/'],
      [node.experimentId, `#/experiments/${encodeURIComponent(node.experimentId)}`],
      [shortId(node.id, node.experimentId), null],
    ],
    live: true,
  };
}

/** Each decision and how much of the train evidence the Feedback-Agent's prompt carried. */
function evidenceTable(decisions) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
  return h(
    'table',
    { id: 'evidence' },
    h(
      'tr',
      {},
      h('th', {}, 'iteration'),
      h('th', {}, 'decision'),
      h('th', {}, 'train items shown'),
      h('th', {}, 'evidence bytes shown'),
      h('th', {}, 'failure kinds shown'),
      h('th', {}, 'prompt tokens'),
    ),
    decisions.map(({ iteration, kind, algorithm, evidence: e }) =>
      h(
        'tr',
        {},
        h('td', { class: 'num' }, iteration),
        h('td', {}, `${kind}${algorithm ? ` · ${algorithm}` : ''}`),
        ...(e
          ? [
              h('td', { class: 'num' }, `${e.itemsShown} / ${e.itemsAvailable}`),
              h('td', { class: 'num' }, `${kb(e.bytesShown)} / ${kb(e.bytesAvailable)}`),
              h('td', {}, `${e.failureKindsShown.join(', ') || '—'} of ${e.failureKindsAvailable.join(', ') || '—'}`),
              h('td', { class: 'num' }, `~${e.promptTokens} of ${e.tokenBudget}`),
            ]
          : [h('td', { colspan: 4, class: 'muted' }, 'offline agent: reads the structured context whole')]),
      ),
    ),
  );
}
