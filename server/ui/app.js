import { allPages, fill, h, link, metricLabel, metricOf, score } from './dom.js';
import { experimentPage } from './experiment-page.js';
import { nodePage } from './node-page.js';

// Events that change what the pages show; the stream sends only these.
const LIVE_TYPES = [
  'experiment.created',
  'experiment.finished',
  'scaffold.proposed',
  'scaffold.accepted',
  'scaffold.rejected',
  'weights.checkpointed',
  'weights.accepted',
  'weights.rejected',
  'feedback.decided',
  'run.started',
  'run.finished',
  'audit.performed',
];

const view = document.getElementById('view');
const crumbs = document.getElementById('crumbs');
const liveBadge = document.getElementById('live');
let current = { live: false };
let stream = null;
let refreshTimer = null;

async function experimentsPage() {
  const { experiments, position } = await allPages('/api/experiments', 'experiments');
  const metrics = await Promise.all(experiments.map((experiment) => metricOf(experiment.id)));
  fill(
    view,
    h('h1', {}, 'experiments'),
    experiments.length === 0
      ? h('p', { class: 'muted' }, 'no experiments in this log yet — start one with `sia run`.')
      : h(
          'table',
          { id: 'experiments' },
          h(
            'tr',
            {},
            ['experiment', 'task', 'mode', 'status', 'nodes', 'metric', 'best dev', 'best holdout', 'created'].map((name) => h('th', {}, name)),
          ),
          experiments
            .map((experiment, i) => [experiment, metrics[i]])
            .reverse()
            .map(([experiment, metric]) =>
              h(
                'tr',
                {},
                h('td', {}, link(`#/experiments/${encodeURIComponent(experiment.id)}`, experiment.id)),
                h('td', {}, experiment.taskId),
                h('td', {}, experiment.mode),
                h('td', {}, h('span', { class: 'badge' }, experiment.status)),
                h('td', { class: 'num' }, experiment.nodeCount),
                h('td', { class: 'metric' }, metricLabel(metric)),
                h('td', { class: 'num' }, score(experiment.finalScores?.dev)),
                h('td', { class: 'num' }, score(experiment.finalScores?.holdout)),
                h('td', {}, new Date(experiment.createdAt).toLocaleString()),
              ),
            ),
        ),
  );
  return { position, title: [['experiments', null]], live: true };
}

function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/').split('/').filter(Boolean).map(decodeURIComponent);
  const at = Number(new URLSearchParams(query ?? '').get('at')) || null;
  if (parts[0] === 'experiments' && parts[1]) {
    const travel = (position) => (location.hash = `#/experiments/${encodeURIComponent(parts[1])}${position ? `?at=${position}` : ''}`);
    return () => experimentPage(view, parts[1], { at, travel });
  }
  if (parts[0] === 'nodes' && parts[1]) return () => nodePage(view, parts[1]);
  return experimentsPage;
}

async function render() {
  const scrollY = window.scrollY;
  try {
    current = await route()();
    fill(
      crumbs,
      current.title.flatMap(([text, href], i) => [i ? ' / ' : '', href ? link(href, text) : h('span', {}, text)]),
    );
    document.body.dataset.position = String(current.position);
    window.scrollTo(0, scrollY);
    follow(current.position);
  } catch (error) {
    fill(view, h('p', { class: 'error' }, error.message));
  }
}

/** One EventSource for the page's life; it resumes by itself (Last-Event-ID) after a dropped connection. */
function follow(position) {
  if (stream) return;
  stream = new EventSource(`/api/events/stream?after=${position}&types=${LIVE_TYPES.join(',')}`);
  stream.onopen = () => {
    liveBadge.textContent = 'live';
    liveBadge.classList.add('on');
  };
  stream.onerror = () => {
    liveBadge.textContent = 'reconnecting';
    liveBadge.classList.remove('on');
  };
  stream.onmessage = () => {
    if (!current.live) return;
    // A run records many events in a burst: redraw once it settles.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(render, 300);
  };
}

window.addEventListener('hashchange', render);
render();
