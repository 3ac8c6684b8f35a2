import { createHash, hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so equal values always serialise (and hash) the same.
 * Written as one pass over the value because it sits on the append hot path: primitives are written in place
 * (no call per leaf), and keys already in order are not sorted again.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i) out += ',';
      const item = value[i];
      out += typeof item === 'string' ? JSON.stringify(item) : typeof item === 'number' ? numberJson(item) : item === undefined ? 'null' : canonicalJson(item);
    }
    return `${out}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const record = value as Record<string, unknown>;
  const keys = sortedKeys(Object.keys(record));
  let out = '{';
  let first = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const inner = record[key];
    let json: string;
    if (typeof inner === 'string') json = JSON.stringify(inner);
    else if (typeof inner === 'number') json = numberJson(inner);
    else if (inner === undefined || typeof inner === 'function') continue;
    else json = canonicalJson(inner);
    out += first ? `${quotedKey(key)}:${json}` : `,${quotedKey(key)}:${json}`;
    first = false;
  }
  return `${out}}`;
}

const numberJson = (value: number) => (Number.isFinite(value) ? String(value) : 'null');

/**
 * Objects of one shape list their keys in one order, so the sorted order of the last key list seen with the same
 * first key and length is reused when the lists match (a cheap comparison of interned strings); else sort.
 */
const shapes = new Map<string, { keys: string[]; sorted: string[] }>();
function sortedKeys(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  const id = keys[0];
  const known = shapes.get(id);
  if (known && known.keys.length === keys.length) {
    let same = true;
    for (let i = 1; i < keys.length && same; i++) same = known.keys[i] === keys[i];
    if (same) return known.sorted;
  }
  const sorted = [...keys].sort();
  if (shapes.size < 10_000) shapes.set(id, { keys, sorted });
  return sorted;
}

// Event payloads reuse a small set of keys: quote each once.
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** One-shot crypto.hash where Node has it (20.12+): about twice as fast as createHash for short inputs. */
export function sha256Hex(data: string | Uint8Array): string {
  return typeof hash === 'function' ? hash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}
