// Tiny DOM helpers shared by the pages: no framework, no build step.
const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export const h = (tag, attributes, ...children) => build(document.createElement(tag), attributes, children);
export const s = (tag, attributes, ...children) => build(document.createElementNS(SVG_NS, tag), attributes, children);

/** Replaces an element's content (children may be nested arrays, null and false are skipped). */
export function fill(element, ...children) {
  element.replaceChildren();
  return build(element, {}, children);
}

/** GET a JSON route of this server; a non-2xx answer throws its `message`. */
export async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `${response.status} ${response.statusText}`);
  return body;
}

/**
 * A paged list whole: the first page's body, with the `key` items of every page, following `next_page_token`
 * (the server reads every page at the first one's log position, so they fit together while the log grows).
 */
export async function allPages(path, key) {
  const first = await api(path);
  const items = [...first[key]];
  const join = path.includes('?') ? '&' : '?';
  for (let token = first.next_page_token; token; ) {
    const page = await api(`${path}${join}page_token=${encodeURIComponent(token)}`);
    items.push(...page[key]);
    token = page.next_page_token;
  }
  return { ...first, [key]: items };
}

export const score = (value) => (value === undefined || value === null ? '–' : value.toFixed(3));
export const shortId = (id, experimentId) => (experimentId && id.startsWith(`${experimentId}-`) ? id.slice(experimentId.length + 1) : id);
export const link = (hash, text) => h('a', { href: hash }, text);

/** "accuracy ↑": the metric's name and which way is better, shown wherever scores are (null: not known). */
export const metricLabel = (metric) =>
  metric?.name ? `${metric.name} ${metric.higherIsBetter === null ? '' : metric.higherIsBetter ? '↑ higher is better' : '↓ lower is better'}`.trim() : 'score';

const metrics = new Map();
/** The task's metric (GET /api/experiments/{id}/metric), fetched once per experiment; null when the server cannot say. */
export function metricOf(experimentId) {
  if (!metrics.has(experimentId))
    metrics.set(
      experimentId,
      api(`/api/experiments/${encodeURIComponent(experimentId)}/metric`).catch(() => null),
    );
  return metrics.get(experimentId);
}
