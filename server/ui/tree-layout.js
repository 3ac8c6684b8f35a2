/**
 * Tidy tree layout (Reingold–Tilford, with contours as in Walker's refinement) for nodes of different widths.
 * Each subtree is laid out on its own; siblings are then pushed apart just enough that, on every depth they
 * share, the right contour of the left ones and the left contour of the next stay `gap` apart. A parent sits
 * over the middle of its first and last child. So no two nodes' extents (circle plus label) ever overlap,
 * and small subtrees tuck under big neighbours instead of each leaf taking its own column.
 *
 * `extentOf(node)` gives the node's horizontal reach around its centre: { left (≤ 0), right (≥ 0) }.
 * Returns a Map id → { x, depth } with x ≥ 0 at the leftmost extent, and the total width.
 */
export function tidyLayout(nodes, extentOf, gap) {
  const children = new Map(nodes.map((node) => [node.id, []]));
  const roots = [];
  for (const node of nodes) (node.parentId && children.has(node.parentId) ? children.get(node.parentId) : roots).push(node);

  const offset = new Map(); // id → x relative to its parent (roots: relative to the forest's origin)
  // Contours: per depth below the subtree root, the leftmost and rightmost reach, relative to the root's x.
  // Post-order with an explicit stack: a lineage can be a chain thousands deep, deeper than the call stack.
  const contours = new Map();
  const stack = roots.map((root) => ({ node: root, visited: false })).reverse();
  while (stack.length) {
    const entry = stack.pop();
    const kids = children.get(entry.node.id);
    if (!entry.visited) {
      stack.push({ node: entry.node, visited: true });
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], visited: false });
      continue;
    }
    const own = extentOf(entry.node);
    const contour = pack(kids, contours, offset, gap) ?? { left: [], right: [], dx: 0 };
    contour.left.push(own.left - contour.dx);
    contour.right.push(own.right - contour.dx);
    contours.set(entry.node.id, contour);
    for (const kid of kids) contours.delete(kid.id); // only the parent's contour is needed from here on
  }
  // The roots (forks, or more than one seed) are packed side by side like siblings under an invisible parent.
  const forest = pack(roots, contours, offset, gap) ?? { left: [], right: [], dx: 0 };
  const minLeft = forest.left.reduce((a, b) => Math.min(a, b), Infinity) + forest.dx;
  const maxRight = forest.right.reduce((a, b) => Math.max(a, b), -Infinity) + forest.dx;

  const place = new Map();
  const walk = roots.map((root) => [root, offset.get(root.id) - minLeft, 0]);
  while (walk.length) {
    const [node, x, depth] = walk.pop();
    place.set(node.id, { x, depth });
    for (const kid of children.get(node.id)) walk.push([kid, x + offset.get(kid.id), depth + 1]);
  }
  const width = maxRight - minLeft;
  return { place, width };
}

/**
 * Places sibling subtrees left to right, each as close as the contours allow, and centres them on 0; returns
 * their joint contour. A contour keeps its levels deepest first (so a parent adds its own level with a push)
 * and a lazy `dx` added to every value (so moving a whole subtree is one addition). Merging writes the shallower
 * contour into the deeper one: the work is the shallower depth, which keeps long chains cheap.
 */
function pack(siblings, contours, offset, gap) {
  let joint = null;
  const positions = [];
  for (const sibling of siblings) {
    const contour = contours.get(sibling.id);
    if (!joint) {
      positions.push(0);
      joint = contour;
      continue;
    }
    const shared = Math.min(joint.left.length, contour.left.length);
    let shift = -Infinity;
    for (let depth = 0; depth < shared; depth++)
      shift = Math.max(shift, valueAt(joint.right, joint.dx, depth) - valueAt(contour.left, contour.dx, depth) + gap);
    positions.push(shift);
    contour.dx += shift;
    const [deep, shallow] = contour.left.length > joint.left.length ? [contour, joint] : [joint, contour];
    for (let depth = 0; depth < shallow.left.length; depth++) {
      const index = deep.left.length - 1 - depth;
      deep.left[index] = Math.min(deep.left[index] + deep.dx, valueAt(shallow.left, shallow.dx, depth)) - deep.dx;
      deep.right[index] = Math.max(deep.right[index] + deep.dx, valueAt(shallow.right, shallow.dx, depth)) - deep.dx;
    }
    joint = deep;
  }
  if (!joint) return null;
  const middle = (positions[0] + positions[positions.length - 1]) / 2;
  siblings.forEach((sibling, i) => offset.set(sibling.id, positions[i] - middle));
  joint.dx -= middle;
  return joint;
}

/** The value at `depth` below the top of a deepest-first contour. */
const valueAt = (levels, dx, depth) => levels[levels.length - 1 - depth] + dx;
