import { h, link, shortId } from './dom.js';

/**
 * Each Feedback decision with what became of it: the node it produced, the gate's verdict, the gain on the
 * gate's split with its confidence interval, and the gate's reason. The node a decision produced is the
 * one made from its node in the next iteration (iteration = decisions before it in the log).
 */
export function decisionsTable(experiment, nodes, metric) {
  const outcomes = new Map();
  for (const node of nodes) if (node.parentId) outcomes.set(`${node.iteration}/${node.parentId}`, outcomes.get(`${node.iteration}/${node.parentId}`) ?? node);
  const nodeLink = (id) => link(`#/nodes/${encodeURIComponent(id)}`, shortId(id, experiment.id));
  return h(
    'table',
    { id: 'decisions' },
    h(
      'tr',
      {},
      ['iteration', 'from node', 'kind', 'algorithm', 'produced', 'verdict', `gain (${metric?.name ?? 'score'})`, 'reason'].map((name) => h('th', {}, name)),
    ),
    experiment.decisions.map((decision, index) => {
      const made = decision.kind === 'stop' ? null : outcomes.get(`${index + 1}/${decision.nodeId}`);
      return h(
        'tr',
        { 'data-verdict': verdictOf(decision, made) },
        h('td', { class: 'num' }, decision.iteration),
        h('td', {}, nodeLink(decision.nodeId)),
        h('td', {}, h('span', { class: `badge ${decision.kind}` }, decision.kind)),
        h('td', {}, decision.algorithm ?? ''),
        h('td', {}, made ? nodeLink(made.id) : '—'),
        h('td', { class: `verdict ${verdictOf(decision, made)}` }, verdictOf(decision, made)),
        h('td', { class: 'num gain' }, made?.comparison ? gain(made.comparison) : '—'),
        h('td', { class: 'reason' }, reasonOf(decision, made)),
      );
    }),
  );
}

function verdictOf(decision, made) {
  if (decision.kind === 'stop') return 'stop';
  if (!made) return 'pending';
  return made.status === 'proposed' ? 'pending' : made.status;
}

/** "+0.042 [−0.010, +0.095] 95% · dev n=20": the mean paired difference and its bootstrap interval. */
export function gain(comparison) {
  const signed = (value) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
  return `${signed(comparison.meanDifference)} [${signed(comparison.lowerBound)}, ${signed(comparison.upperBound)}] ${Math.round(comparison.confidence * 100)}% · ${comparison.split} n=${comparison.n}`;
}

function reasonOf(decision, made) {
  if (decision.kind === 'stop') return 'the Feedback-Agent stopped the loop';
  if (!made) return 'no node yet (the candidate is being built or trained)';
  if (made.comparison) return made.comparison.reason;
  if (made.status === 'cancelled') return 'cancelled (a budget ran out)';
  if (made.status === 'proposed') return 'awaiting evaluation';
  return 'no gate comparison recorded';
}
