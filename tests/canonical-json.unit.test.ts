import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/hashing.ts';

/** The plain recursive definition the fast one must match byte for byte. */
function referenceJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : referenceJson(item))).join(',')}]`;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return referenceJson((value as { toJSON(): unknown }).toJSON());
  const record = value as Record<string, unknown>;
  const parts = Object.keys(record)
    .sort()
    .filter((key) => record[key] !== undefined && typeof record[key] !== 'function')
    .map((key) => `${JSON.stringify(key)}:${referenceJson(record[key])}`);
  return `{${parts.join(',')}}`;
}

// A small seeded generator (mulberry32) so a failure reproduces.
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'z', 'A', '10', '9', '', 'é', '罪名', 'toString', 'key with "quotes"', '\u0000', 'runId', 'step'];
const LEAVES = [0, -0, 1.5, -3e21, 1e-7, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', '"\\\n\u2028', '事实', true, false, null, undefined];

function value(next: () => number, depth: number): unknown {
  const roll = next();
  if (depth > 4 || roll < 0.4) return LEAVES[Math.floor(next() * LEAVES.length)];
  if (roll < 0.55) return Array.from({ length: Math.floor(next() * 5) }, () => value(next, depth + 1));
  if (roll < 0.6) return new Date(Math.floor(next() * 2e12));
  const record: Record<string, unknown> = {};
  const count = Math.floor(next() * 6);
  for (let i = 0; i < count; i++) record[KEYS[Math.floor(next() * KEYS.length)]] = value(next, depth + 1);
  if (next() < 0.05) record.fn = () => 1;
  return record;
}

describe('canonicalJson', () => {
  it('writes the same bytes as the plain definition for 20,000 random nested values', () => {
    const next = random(14);
    for (let i = 0; i < 20_000; i++) {
      const input = value(next, 0);
      expect(canonicalJson(input)).toBe(referenceJson(input));
    }
  });

  it('sorts keys of objects whose shape it has seen before with other keys, and of reordered copies', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ b: 1, c: 2 })).toBe('{"b":1,"c":2}');
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ a: 2, b: 1 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson([{ z: [3, { y: 1, x: 2 }] }, 's'])).toBe('[{"z":[3,{"x":2,"y":1}]},"s"]');
  });
});
