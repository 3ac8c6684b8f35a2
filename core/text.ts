/**
 * Shortens text for a one-line display: at most maxChars characters, cut at the last word boundary that fits,
 * then an ellipsis, so a reader never sees a word cut in half and always sees that something was left out.
 */
export function clipAtWord(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  // One character more than fits: a space there means the last word ends exactly at the limit and stays.
  const lastSpace = flat.slice(0, maxChars + 1).lastIndexOf(' ');
  // One very long "word" (a URL, a hash): cutting inside it beats dropping it whole.
  const cut = lastSpace > maxChars / 2 ? flat.slice(0, lastSpace) : flat.slice(0, maxChars);
  return `${cut.replace(/[\s,;:.—-]+$/, '')}…`;
}
