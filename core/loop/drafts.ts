/**
 * The collections (node map, node order, runs, decisions) created by the fold now running, which it may
 * therefore grow in place: copying them for every event made a fold quadratic in the experiment's size. Outside
 * a fold it is null and evolve copies as before, so a state handed out is never changed afterwards.
 */
let drafts: WeakSet<object> | null = null;

/** `value` itself when the running fold created it, else a copy that the fold now owns. */
export function owned<T extends object>(value: T, copy: (value: T) => T): T {
  if (drafts?.has(value)) return value;
  const fresh = copy(value);
  drafts?.add(fresh);
  return fresh;
}

/** Runs `fold` with `owner` as the set of collections it may change in place. */
export function withDrafts<T>(owner: WeakSet<object>, fold: () => T): T {
  const outer = drafts;
  drafts = owner;
  try {
    return fold();
  } finally {
    drafts = outer;
  }
}
