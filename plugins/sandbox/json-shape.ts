/**
 * Whether a JSON text nests deeper than `maxDepth`, found by a scan of its brackets outside strings, before any
 * parse: a valid line of 100,000 nested arrays parses fine and then overflows the stack of whatever walks it
 * (schema checks, re-serialisation), so depth is refused first.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92)
        i++; // backslash: skip the escaped character
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      if (++depth > maxDepth) return true;
    } else if (code === 93 || code === 125) depth--;
  }
  return false;
}
