import { createHash, hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so equal values always serialise (and hash) the same.
 * Written as one pass over the value because it sits on the append hot path.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return `${out}]`;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalJson((value as { toJSON(): unknown }).toJSON());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const inner = record[key];
    if (inner === undefined || typeof inner === 'function') continue;
    out += `${out.length > 1 ? ',' : ''}${quotedKey(key)}:${canonicalJson(inner)}`;
  }
  return `${out}}`;
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
