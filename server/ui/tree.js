import { s, score, shortId } from './dom.js';
import { tidyLayout } from './tree-layout.js';

const RADIUS = 13;
const LABEL_GAP = 4;
/** Space kept between neighbouring nodes' reaches (circle + label), so labels never touch. */
const SIBLING_GAP = 14;
const MARGIN = 20;
/** Top-down: the distance between depths. */
const ROW_HEIGHT = 62;
/** Left-to-right: a node's height along its column (circle, or two label lines) and the gap between columns. */
const NODE_HALF_HEIGHT = 15;
const COLUMN_GAP = 36;
/** The tree should fit about this high before it scrolls (the panel's max-height). */
const FRAME_HEIGHT = 680;
const LABEL_FONT = '11px system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", sans-serif';

const measure = (() => {
  const context = document.createElement('canvas').getContext('2d');
  context.font = LABEL_FONT;
  return (text) => Math.ceil(context.measureText(text).width);
})();

/**
 * Two tidy layouts of the same tree (see tree-layout.js), keeping the one that needs less scrolling in a
 * page-wide panel: top-down suits chains (deep, few leaves), left-to-right suits bushy lineages, whose many
 * leaves stack 30 px apart instead of a label's width. Either way every node's reach includes its measured
 * label, so labels cannot overlap and the drawing is sized to hold them all.
 */
function arrange(nodes, reachOf, frameWidth) {
  const down = tidyLayout(nodes, (node) => ({ left: -RADIUS, right: reachOf(node) }), SIBLING_GAP);
  const across = tidyLayout(nodes, () => ({ left: -NODE_HALF_HEIGHT, right: NODE_HALF_HEIGHT }), SIBLING_GAP / 2);
  const depth = Math.max(0, ...[...down.place.values()].map((p) => p.depth));
  const maxReach = Math.max(0, ...nodes.map(reachOf));
  const column = RADIUS + maxReach + COLUMN_GAP;
  const layouts = [
    {
      orientation: 'down',
      width: down.width + 2 * MARGIN,
      height: (depth + 1) * ROW_HEIGHT + 10,
      at: (id) => ({ x: MARGIN + down.place.get(id).x, y: 30 + down.place.get(id).depth * ROW_HEIGHT }),
    },
    {
      orientation: 'across',
      width: depth * column + RADIUS + maxReach + 2 * MARGIN,
      height: across.width + 2 * MARGIN,
      at: (id) => ({ x: MARGIN + RADIUS + across.place.get(id).depth * column, y: MARGIN + across.place.get(id).x }),
    },
  ];
  const overflow = (layout) => Math.max(0, layout.width - frameWidth) + Math.max(0, layout.height - FRAME_HEIGHT);
  return overflow(layouts[1]) < overflow(layouts[0]) ? layouts[1] : layouts[0];
}

/** Harness edits are solid blue edges, weight updates dashed orange, rejected grey. */
export function lineageTree(nodes, experiment, onOpen) {
  const labels = new Map(nodes.map((node) => [node.id, [shortId(node.id, experiment.id), `dev ${score(node.scores.dev)}`]]));
  const reachOf = (node) => RADIUS + LABEL_GAP + Math.max(...labels.get(node.id).map(measure));
  const { orientation, width, height, at } = arrange(nodes, reachOf, Math.max(600, window.innerWidth - 80));
  const byId = new Map(nodes.map((node) => [node.id, node]));

  const edges = nodes
    .filter((node) => node.parentId && byId.has(node.parentId))
    .map((node) => {
      const from = at(node.parentId);
      const to = at(node.id);
      const kind = node.kind === 'weights' ? 'weights' : 'harness';
      // An edge leaves below its parent's circle (top-down) or after its label (left to right): never across the label.
      const start = orientation === 'down' ? { x: from.x, y: from.y + RADIUS } : { x: from.x + reachOf(byId.get(node.parentId)) + 2, y: from.y };
      const end = orientation === 'down' ? { x: to.x, y: to.y - RADIUS } : { x: to.x - RADIUS, y: to.y };
      const d =
        orientation === 'down'
          ? `M${start.x},${start.y} C${start.x},${(start.y + end.y) / 2} ${end.x},${(start.y + end.y) / 2} ${end.x},${end.y}`
          : `M${start.x},${start.y} C${(start.x + end.x) / 2},${start.y} ${(start.x + end.x) / 2},${end.y} ${end.x},${end.y}`;
      return s('path', { class: `edge ${kind}${node.status === 'rejected' ? ' to-rejected' : ''}`, 'data-kind': kind, d });
    });
  const circles = nodes.map((node) => {
    const { x, y } = at(node.id);
    const [name, devScore] = labels.get(node.id);
    const classes = ['node', node.kind, node.status, node.id === experiment.bestNodeId ? 'best' : ''].filter(Boolean).join(' ');
    return s(
      'g',
      { class: classes, 'data-node-id': node.id, transform: `translate(${x},${y})`, onclick: () => onOpen(node.id) },
      s(
        'title',
        {},
        `${node.id}\n${node.kind} · ${node.status}${node.algorithm ? ` · ${node.algorithm}` : ''}\ntrain ${score(node.scores.train)} · dev ${score(node.scores.dev)} · holdout ${score(node.scores.holdout)}\nopen the node for its rationale`,
      ),
      s('circle', { r: RADIUS }),
      s('text', { y: 4, 'text-anchor': 'middle', class: 'glyph' }, node.kind === 'weights' ? 'W' : node.kind === 'seed' ? 'S' : 'H'),
      s('g', { class: 'label' }, s('text', { x: RADIUS + LABEL_GAP, y: -2 }, name), s('text', { x: RADIUS + LABEL_GAP, y: 10, class: 'score' }, devScore)),
    );
  });
  return s(
    'svg',
    {
      id: 'lineage-tree',
      'data-orientation': orientation,
      width: Math.ceil(width),
      height: Math.ceil(height),
      viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}`,
      role: 'img',
      'aria-label': 'lineage tree',
    },
    edges,
    circles,
  );
}
