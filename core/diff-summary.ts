/**
 * A one-line summary of a unified diff (core/diff.ts): changed settings of a `const CONFIG = {…}` block as
 * `key: old → new`, and for every other change the files with their added and removed line counts.
 */
export function summarizeDiff(diff: string): string {
  const parts: string[] = [];
  let file = '';
  const counts = new Map<string, { added: number; removed: number }>();
  let removedConfig: Record<string, unknown> | null = null;
  let addedConfig: Record<string, unknown> | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line.slice(4).replace(/^b\//, '');
      continue;
    }
    if (line.startsWith('--- ')) continue;
    const sign = line[0];
    if (sign !== '+' && sign !== '-') continue;
    const config = configOf(line.slice(1));
    if (config) {
      if (sign === '-') removedConfig = config;
      else addedConfig = config;
      continue;
    }
    const count = counts.get(file) ?? { added: 0, removed: 0 };
    if (sign === '+') count.added += 1;
    else count.removed += 1;
    counts.set(file, count);
  }
  if (removedConfig && addedConfig) {
    const before = removedConfig;
    const after = addedConfig;
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    parts.push(...keys.map((key) => `${key}: ${show(before[key])} → ${show(after[key])}`));
  }
  for (const [path, { added, removed }] of counts) parts.push(`${path} +${added} −${removed}`);
  return parts.join(', ') || 'no change';
}

function configOf(line: string): Record<string, unknown> | null {
  const match = /^\s*const CONFIG = (\{.*\});?\s*$/.exec(line);
  if (!match) return null;
  try {
    return JSON.parse(match[1]) as Record<string, unknown>;
  } catch {
    return null;
  }
}

const show = (value: unknown) => (value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value));
