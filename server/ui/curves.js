import { metricLabel, s, score } from './dom.js';

const SPLITS = ['train', 'dev', 'holdout'];
const WIDTH = 520;
const HEIGHT = 300;
// Right and top padding exceed a dot's radius, so the last and the best points are drawn whole.
const PAD = { left: 56, right: 16, top: 14, bottom: 34 };

/**
 * Scores per split over iterations. The lines follow the kept path (seed and accepted nodes), where the
 * experiment stood after each iteration; every node is a dot, hollow when the gate rejected it.
 */
export function scoreCurves(nodes, metric) {
  const scored = nodes.filter((node) => SPLITS.some((split) => node.scores[split] !== undefined));
  const values = scored.flatMap((node) => SPLITS.map((split) => node.scores[split]).filter((v) => v !== undefined));
  const lastIteration = Math.max(1, ...nodes.map((node) => node.iteration));
  const low = values.length ? Math.max(0, Math.floor((Math.min(...values) - 0.02) * 20) / 20) : 0;
  const high = values.length ? Math.min(1, Math.ceil((Math.max(...values) + 0.02) * 20) / 20) : 1;
  const x = (iteration) => PAD.left + (iteration / lastIteration) * (WIDTH - PAD.left - PAD.right);
  const y = (value) => HEIGHT - PAD.bottom - ((value - low) / (high - low || 1)) * (HEIGHT - PAD.top - PAD.bottom);

  const ticks = Array.from({ length: 5 }, (_, i) => low + ((high - low) * i) / 4);
  const iterationTicks = Array.from(
    new Set(Array.from({ length: Math.min(lastIteration, 10) + 1 }, (_, i) => Math.round((i * lastIteration) / Math.min(lastIteration, 10)))),
  );
  const axes = [
    ...ticks.map((tick) => [
      s('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick) }),
      s('text', { x: PAD.left - 6, y: y(tick) + 4, 'text-anchor': 'end' }, tick.toFixed(2)),
    ]),
    ...iterationTicks.map((tick) => s('text', { x: x(tick), y: HEIGHT - PAD.bottom + 16, 'text-anchor': 'middle' }, tick)),
    s('text', { x: (WIDTH + PAD.left) / 2, y: HEIGHT - 4, 'text-anchor': 'middle', class: 'muted' }, 'iteration'),
    s(
      'text',
      { x: 12, y: (HEIGHT - PAD.bottom) / 2, 'text-anchor': 'middle', class: 'muted axis-title', transform: `rotate(-90 12 ${(HEIGHT - PAD.bottom) / 2})` },
      metricLabel(metric),
    ),
    s(
      'g',
      { class: 'axis' },
      s('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom }),
      s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom }),
    ),
  ];
  const kept = scored.filter((node) => node.status !== 'rejected').sort((a, b) => a.iteration - b.iteration || a.position - b.position);
  const curves = SPLITS.map((split) => {
    const points = kept.filter((node) => node.scores[split] !== undefined).map((node) => `${x(node.iteration).toFixed(1)},${y(node.scores[split]).toFixed(1)}`);
    return points.length ? s('polyline', { class: `curve ${split}`, 'data-split': split, points: points.join(' ') }) : null;
  });
  const dots = scored.flatMap((node) =>
    SPLITS.filter((split) => node.scores[split] !== undefined).map((split) =>
      s(
        'circle',
        { class: `dot ${split}${node.status === 'rejected' ? '' : ' kept'}`, cx: x(node.iteration), cy: y(node.scores[split]), r: 3.5 },
        s('title', {}, `${node.id} · ${split} ${score(node.scores[split])} (${node.status})`),
      ),
    ),
  );
  // Scales down with its panel (viewBox, width 100%) instead of being cut off by it.
  return s(
    'svg',
    { id: 'score-curves', class: 'fit', width: WIDTH, height: HEIGHT, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'score curves' },
    axes,
    curves,
    dots,
  );
}
