import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random.ts';
import { tidyLayout } from '../server/ui/tree-layout.js';

type Node = { id: string; parentId: string | null; width: number };

/** A random forest: each node hangs under a random earlier one (or starts a new tree), labels of random width. */
function randomForest(size: number, seed: number, roots = 1): Node[] {
  const random = mulberry32(seed);
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++) {
    const parentId = i < roots ? null : nodes[Math.floor(random() * random() * i)].id; // skewed: bushy near the top
    nodes.push({ id: `n${i}`, parentId, width: 20 + Math.floor(random() * 120) });
  }
  return nodes;
}

const GAP = 10;
const extentOf = (node: Node) => ({ left: -8, right: node.width });

describe('tidy tree layout', () => {
  for (const [size, seed, roots] of [
    [10, 1, 1],
    [200, 2, 1],
    [200, 3, 3],
    [1000, 4, 1],
  ]) {
    it(`keeps every two nodes on a depth ${GAP}px apart, parents centred over their children (${size} nodes, ${roots} roots)`, () => {
      const nodes = randomForest(size, seed, roots);
      const { place, width } = tidyLayout(nodes, extentOf, GAP);
      const byDepth = new Map<number, Node[]>();
      for (const node of nodes) byDepth.set(place.get(node.id)!.depth, [...(byDepth.get(place.get(node.id)!.depth) ?? []), node]);
      for (const row of byDepth.values()) {
        const sorted = row.sort((a, b) => place.get(a.id)!.x - place.get(b.id)!.x);
        for (let i = 1; i < sorted.length; i++) {
          const left = place.get(sorted[i - 1].id)!.x + extentOf(sorted[i - 1]).right;
          const right = place.get(sorted[i].id)!.x + extentOf(sorted[i]).left;
          expect(right - left).toBeGreaterThanOrEqual(GAP - 1e-9);
        }
      }
      for (const node of nodes) {
        const kids = nodes.filter((kid) => kid.parentId === node.id).map((kid) => place.get(kid.id)!.x);
        if (kids.length) expect(place.get(node.id)!.x).toBeCloseTo((kids[0] + kids[kids.length - 1]) / 2, 9);
      }
      const reach = nodes.map((node) => [place.get(node.id)!.x + extentOf(node).left, place.get(node.id)!.x + extentOf(node).right]);
      expect(Math.min(...reach.map(([l]) => l))).toBeCloseTo(0, 9);
      expect(Math.max(...reach.map(([, r]) => r))).toBeCloseTo(width, 9);
    });
  }

  it('is narrower than one column per leaf: small subtrees tuck under their neighbours', () => {
    const nodes = randomForest(200, 5);
    const leaves = nodes.filter((node) => !nodes.some((kid) => kid.parentId === node.id));
    const columns = leaves.reduce((sum, leaf) => sum + leaf.width + 8 + GAP, 0);
    // Leaves at different depths share horizontal space: on this bushy tree, about a tenth narrower.
    expect(tidyLayout(nodes, extentOf, GAP).width).toBeLessThan(columns * 0.95);
  });

  it('lays out a chain 20000 deep quickly and without overflowing the stack', () => {
    // Each node with a rejected leaf beside its accepted child, as a long run's lineage grows.
    const chain = Array.from({ length: 20000 }, (_, i) => ({ id: `c${i}`, parentId: i < 2 ? (i ? 'c0' : null) : `c${i - (i % 2 ? 1 : 2)}`, width: 50 }));
    const started = performance.now();
    const { place } = tidyLayout(chain, extentOf, GAP);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(place.get('c19998')!.depth).toBe(9999);
  });
});
