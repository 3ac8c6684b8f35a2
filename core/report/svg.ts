import { escapeHtml } from './escape.ts';

export interface Series {
  name: string;
  color: string;
  /** Points with y null are gaps (a node not scored on that split). */
  points: Array<{ x: number; y: number | null; label?: string }>;
}

const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 48, right: 16, top: 16, bottom: 40 };

/** A line chart of scores (y in [0, 1] unless the data leave it) over lineage steps, as inline SVG. */
export function lineChart(series: Series[], options: { title: string; xLabel: string; yLabel: string }): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const xMin = Math.min(0, ...xs);
  const xMax = Math.max(1, ...xs);
  const yMin = Math.min(0, ...ys);
  const yMax = Math.max(1, ...ys);
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin || 1)) * (WIDTH - PAD.left - PAD.right);
  const sy = (y: number) => HEIGHT - PAD.bottom - ((y - yMin) / (yMax - yMin || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => yMin + t * (yMax - yMin));
  const grid = ticks.map(
    (y) =>
      `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" font-size="11">${y.toFixed(2)}</text>`,
  );
  const lines = series.map((s) => {
    const segments: string[] = [];
    let current: string[] = [];
    for (const p of s.points) {
      if (p.y === null) {
        if (current.length) segments.push(current.join(' '));
        current = [];
      } else current.push(`${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`);
    }
    if (current.length) segments.push(current.join(' '));
    const dots = s.points.flatMap((p) =>
      p.y === null
        ? []
        : [
            `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${s.name} ${p.label ?? p.x}: ${p.y.toFixed(4)}`)}</title></circle>`,
          ],
    );
    return `${segments.map((points) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`).join('')}${dots.join('')}`;
  });
  const legend = series.map(
    (s, index) =>
      `<rect x="${PAD.left + index * 170}" y="${HEIGHT - 14}" width="10" height="10" fill="${s.color}"/><text x="${PAD.left + 14 + index * 170}" y="${HEIGHT - 5}" font-size="11">${escapeHtml(s.name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<title>${escapeHtml(options.title)}</title>`,
    ...grid,
    `<text x="12" y="${HEIGHT / 2}" font-size="11" transform="rotate(-90 12 ${HEIGHT / 2})" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`,
    `<text x="${(WIDTH + PAD.left) / 2}" y="${HEIGHT - 22}" font-size="11" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    ...lines,
    ...legend,
    '</svg>',
  ].join('');
}

export interface TreeNode {
  id: string;
  parentId: string | null;
  label: string;
  status: 'proposed' | 'accepted' | 'rejected' | 'cancelled';
  highlight?: boolean;
}

const STATUS_COLOR = { accepted: '#2a7d2a', rejected: '#b03a2e', proposed: '#888', cancelled: '#bbb' } as const;

/** The lineage as a tree (depth left to right, creation order top to bottom), as inline SVG. */
export function lineageTree(nodes: TreeNode[]): string {
  const depth = new Map<string, number>();
  for (const node of nodes) depth.set(node.id, node.parentId !== null && depth.has(node.parentId) ? (depth.get(node.parentId) as number) + 1 : 0);
  const row = new Map(nodes.map((node, index) => [node.id, index]));
  const x = (id: string) => 20 + (depth.get(id) ?? 0) * 150;
  const y = (id: string) => 24 + (row.get(id) ?? 0) * 30;
  const width = 20 + Math.max(0, ...depth.values()) * 150 + 300;
  const height = 24 + nodes.length * 30;
  const edges = nodes.flatMap((node) =>
    node.parentId && row.has(node.parentId)
      ? [`<path d="M${x(node.parentId)} ${y(node.parentId)} V${y(node.id)} H${x(node.id)}" fill="none" stroke="#999"/>`]
      : [],
  );
  const dots = nodes.map(
    (node) =>
      `<circle cx="${x(node.id)}" cy="${y(node.id)}" r="${node.highlight ? 7 : 5}" fill="${STATUS_COLOR[node.status]}" stroke="${node.highlight ? '#000' : 'none'}"/><text x="${x(node.id) + 12}" y="${y(node.id) + 4}" font-size="12">${escapeHtml(node.label)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="lineage"><title>lineage</title>${edges.join('')}${dots.join('')}</svg>`;
}
