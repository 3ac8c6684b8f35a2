import { s, score, shortId } from './dom.js';

const X_GAP = 92;
const Y_GAP = 62;
const RADIUS = 13;

/**
 * Lays the lineage out as a tidy tree: leaves take consecutive columns, a parent sits over the middle of its
 * children, depth goes down. Harness edits are solid blue edges, weight updates dashed orange, rejected grey.
 */
export function lineageTree(nodes, experiment, onOpen) {
  const children = new Map(nodes.map((node) => [node.id, []]));
  const roots = [];
  for (const node of nodes) (node.parentId && children.has(node.parentId) ? children.get(node.parentId) : roots).push(node);
  const place = new Map();
  let column = 0;
  const visit = (node, depth) => {
    const kids = children.get(node.id);
    kids.forEach((kid) => visit(kid, depth + 1));
    const x = kids.length ? (place.get(kids[0].id).x + place.get(kids[kids.length - 1].id).x) / 2 : column++;
    place.set(node.id, { x, depth });
  };
  roots.forEach((root) => visit(root, 0));
  const depth = Math.max(0, ...[...place.values()].map((p) => p.depth));
  const width = Math.max(1, column) * X_GAP + 60;
  const height = (depth + 1) * Y_GAP + 30;
  const at = (id) => ({ x: 20 + X_GAP / 2 + place.get(id).x * X_GAP, y: 30 + place.get(id).depth * Y_GAP });

  const edges = nodes
    .filter((node) => node.parentId && place.has(node.parentId))
    .map((node) => {
      const from = at(node.parentId);
      const to = at(node.id);
      const middle = (from.y + to.y) / 2;
      const kind = node.kind === 'weights' ? 'weights' : 'harness';
      return s('path', {
        class: `edge ${kind}${node.status === 'rejected' ? ' to-rejected' : ''}`,
        'data-kind': kind,
        d: `M${from.x},${from.y} C${from.x},${middle} ${to.x},${middle} ${to.x},${to.y}`,
      });
    });
  const circles = nodes.map((node) => {
    const { x, y } = at(node.id);
    const classes = ['node', node.kind, node.status, node.id === experiment.bestNodeId ? 'best' : ''].filter(Boolean).join(' ');
    return s(
      'g',
      { class: classes, 'data-node-id': node.id, transform: `translate(${x},${y})`, onclick: () => onOpen(node.id) },
      s(
        'title',
        {},
        `${node.id}\n${node.kind} · ${node.status}${node.algorithm ? ` · ${node.algorithm}` : ''}\ntrain ${score(node.scores.train)} · dev ${score(node.scores.dev)} · holdout ${score(node.scores.holdout)}\n${node.rationale}`,
      ),
      s('circle', { r: RADIUS }),
      s('text', { y: 4, 'text-anchor': 'middle', class: 'glyph' }, node.kind === 'weights' ? 'W' : node.kind === 'seed' ? 'S' : 'H'),
      s('text', { x: RADIUS + 4, y: -2 }, shortId(node.id, experiment.id)),
      s('text', { x: RADIUS + 4, y: 10, class: 'score' }, `dev ${score(node.scores.dev)}`),
    );
  });
  return s('svg', { id: 'lineage-tree', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'lineage tree' }, edges, circles);
}
