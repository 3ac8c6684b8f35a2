import { api, fill, h } from './dom.js';

/** "12 ms", "1.4 s": providers report fractional milliseconds that read as noise. */
export const latency = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** An item's outcome in a few characters: its reward, or the error it ended with. */
const outcome = (item) =>
  item?.error ? `error ${item.error.split(':')[0]}` : item?.reward === null || item?.reward === undefined ? '–' : `reward ${+item.reward.toFixed(3)}`;
const outcomeClass = (item) => (item?.error ? 'fail' : item?.reward === 1 ? 'pass' : item?.reward === 0 ? 'fail' : '');

/**
 * One run: first each item's reward (or error) and output, then its steps a page at a time, each step showing
 * the outcome of its item on the item's first row.
 */
export async function loadSteps(container, runId, after, fresh) {
  const [page, items] = await Promise.all([
    api(`/api/runs/${encodeURIComponent(runId)}/steps?after=${after}&limit=50`),
    fresh ? api(`/api/runs/${encodeURIComponent(runId)}/items`).then((body) => body.items) : Promise.resolve(container.items ?? []),
  ]);
  const byExample = new Map(items.map((item) => [item.exampleId, item]));
  let table = container.querySelector('table.steps');
  if (fresh || !table) {
    container.items = items;
    container.shown = new Set();
    table = h(
      'table',
      { class: 'steps' },
      h('tr', {}, h('th', {}, '#'), h('th', {}, 'example'), h('th', {}, 'item result'), h('th', {}, 'kind'), h('th', {}, 'detail')),
    );
    fill(container, h('h2', {}, `items of ${runId}`), itemsTable(items), h('h2', {}, `steps of ${runId}`), table);
  }
  const rows = page.steps.map((entry) => {
    const first = entry.exampleId !== null && !container.shown.has(entry.exampleId);
    if (first) container.shown.add(entry.exampleId);
    const item = byExample.get(entry.exampleId);
    return h(
      'tr',
      {},
      h('td', { class: 'num' }, entry.index),
      h('td', {}, entry.exampleId ?? ''),
      h('td', { class: first ? outcomeClass(item) : '' }, first ? outcome(item) : ''),
      h('td', {}, entry.step.kind),
      h('td', {}, describe(entry.step)),
    );
  });
  table.append(...rows);
  container.querySelector('.more')?.remove();
  if (page.hasMore) container.append(h('button', { class: 'more', onclick: () => loadSteps(container, runId, page.next, false) }, 'load more'));
}

/** Items shown open up to this many; a long run's table starts folded under its tally. */
const ITEMS_OPEN = 20;

function itemsTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'no items recorded');
  const errors = items.filter((item) => item.error).length;
  const full = items.filter((item) => item.reward === 1).length;
  const tally = `${items.length} items: ${full} with reward 1, ${items.length - full - errors} below 1 without error, ${errors} with an error`;
  return h(
    'details',
    { open: items.length <= ITEMS_OPEN },
    h('summary', { class: 'tally' }, tally),
    h(
      'table',
      { class: 'items', id: 'run-items' },
      h('tr', {}, h('th', {}, 'example'), h('th', {}, 'reward'), h('th', {}, 'error'), h('th', {}, 'output')),
      items.map((item) =>
        h(
          'tr',
          { 'data-example': item.exampleId },
          h('td', {}, item.exampleId),
          h('td', { class: `num ${outcomeClass(item)}` }, item.reward === null ? '–' : +item.reward.toFixed(3)),
          h('td', { class: item.error ? 'fail' : '' }, item.error ?? ''),
          h('td', { class: 'output' }, item.output ?? ''),
        ),
      ),
    ),
  );
}

function describe(step) {
  switch (step.kind) {
    case 'llm_call':
      return `${step.model}: ${step.request.messages.at(-1)?.content ?? ''} → ${step.completion}  (${latency(step.latencyMs)}, logprob ${step.logprobs.reduce((a, b) => a + b, 0).toFixed(2)})`;
    case 'tool_call':
      return `${step.name}(${JSON.stringify(step.input)}) → ${JSON.stringify(step.output)}`;
    case 'log':
      return `[${step.level}] ${step.message}`;
    case 'error':
      return `${step.errorKind}: ${step.message}`;
    default:
      return JSON.stringify(step);
  }
}
