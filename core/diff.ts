/**
 * A unified diff between two sets of files (line-based LCS; scaffolds are small). Pure, so scaffold.proposed
 * carries a readable diff against its parent and replays can show what an edit did.
 */
export function diffFiles(before: Record<string, string>, after: Record<string, string>, context = 3): string {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return paths
    .filter((path) => before[path] !== after[path])
    .map((path) => diffText(path, before[path] ?? null, after[path] ?? null, context))
    .join('');
}

function diffText(path: string, before: string | null, after: string | null, context: number): string {
  const oldLines = before === null ? [] : before.split('\n');
  const newLines = after === null ? [] : after.split('\n');
  const ops = lineOps(oldLines, newLines);
  const header = `--- ${before === null ? '/dev/null' : `a/${path}`}\n+++ ${after === null ? '/dev/null' : `b/${path}`}\n`;
  let out = '';
  let index = 0;
  while (index < ops.length) {
    if (ops[index].kind === ' ') {
      index += 1;
      continue;
    }
    const start = Math.max(0, index - context);
    let end = index;
    // Extend the hunk while changes are within 2×context lines of each other.
    while (end < ops.length) {
      let next = end;
      while (next < ops.length && ops[next].kind === ' ') next += 1;
      if (next >= ops.length || next - end > 2 * context) break;
      while (next < ops.length && ops[next].kind !== ' ') next += 1;
      end = next;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk = ops.slice(start, stop);
    const oldStart = hunk.find((op) => op.kind !== '+')?.oldLine ?? 0;
    const newStart = hunk.find((op) => op.kind !== '-')?.newLine ?? 0;
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out += `@@ -${oldStart + (oldCount ? 1 : 0)},${oldCount} +${newStart + (newCount ? 1 : 0)},${newCount} @@\n`;
    out += hunk.map((op) => `${op.kind}${op.text}\n`).join('');
    index = stop;
  }
  return out ? header + out : '';
}

interface LineOp {
  kind: ' ' | '-' | '+';
  text: string;
  oldLine: number;
  newLine: number;
}

function lineOps(oldLines: string[], newLines: string[]): LineOp[] {
  const rows = oldLines.length;
  const columns = newLines.length;
  const table = Array.from({ length: rows + 1 }, () => new Uint32Array(columns + 1));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = columns - 1; j >= 0; j--) {
      table[i][j] = oldLines[i] === newLines[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < columns) {
    if (i < rows && j < columns && oldLines[i] === newLines[j]) ops.push({ kind: ' ', text: oldLines[i], oldLine: i++, newLine: j++ });
    // Removals before additions, as unified diffs print them.
    else if (i < rows && (j >= columns || table[i + 1][j] >= table[i][j + 1])) ops.push({ kind: '-', text: oldLines[i], oldLine: i++, newLine: j });
    else ops.push({ kind: '+', text: newLines[j], oldLine: i, newLine: j++ });
  }
  return ops;
}
