// Types for tree-layout.js (the UI ships plain JS; its unit test is TypeScript).
export function tidyLayout<Node extends { id: string; parentId: string | null }>(
  nodes: Node[],
  extentOf: (node: Node) => { left: number; right: number },
  gap: number,
): { place: Map<string, { x: number; depth: number }>; width: number };
