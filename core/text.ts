/**
 * Shortens text for a one-line display: cut at the last word boundary that fits and end with an ellipsis, so
 * a reader never sees a word cut in half and always sees that something was left out.
 */
export function clipAtWord(text: string, maxChars: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  const room = flat.slice(0, maxChars);
  const lastSpace = room.lastIndexOf(' ');
  // One very long "word" (a URL, a hash): cutting inside it beats dropping it whole.
  const cut = lastSpace > maxChars / 2 ? room.slice(0, lastSpace) : room;
  return `${cut.replace(/[\s,;:.—-]+$/, '')}…`;
}
