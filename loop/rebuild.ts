import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IntegrityError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import type { LoopNode } from '../core/loop/state.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { ScaffoldFiles } from '../core/ports/task.ts';
import { verifyAdapterDir } from '../plugins/trainers/adapter-files.ts';
import { adapterInLog, materializeAdapter } from './adapter-blobs.ts';
import { loadScaffold, scaffoldIdOf } from './scaffolds.ts';

export interface RebuiltNode {
  scaffold: ScaffoldFiles;
  scaffoldId: string;
  /** path → sha256 of the rebuilt scaffold files. */
  scaffoldFiles: Record<string, string>;
  adapter: { adapterId: string; dir: string; files: Record<string, string> } | null;
  /** Where the files were written, when asked to. */
  outDir: string | null;
}

/**
 * Rebuilds a node's (scaffold, adapter) from the log: the scaffold from its blobs (its id recomputed), the adapter
 * checked byte for byte against the hashes weights.checkpointed pinned. Refuses with IntegrityError naming the file.
 */
export function rebuildNode(store: EventStore, adaptersDir: string, node: LoopNode, outDir: string | null = null): RebuiltNode {
  const scaffold = loadScaffold(store, node.entry, node.files);
  const scaffoldId = scaffoldIdOf(node.entry, node.files);
  if (scaffoldId !== node.scaffoldId) throw new IntegrityError(`scaffold of node ${node.id} rebuilds as ${scaffoldId}, the log says ${node.scaffoldId}`);
  const scaffoldFiles = Object.fromEntries(Object.entries(scaffold.files).map(([path, content]) => [path, sha256Hex(content)]));
  for (const [path, sha] of Object.entries(scaffoldFiles)) {
    if (sha !== node.files[path]) throw new IntegrityError(`scaffold file ${path} of node ${node.id} hashes to ${sha}, the log pinned ${node.files[path]}`);
  }
  const adapter = node.adapterId ? verifyAdapter(store, adaptersDir, node.id, node.adapterId, node.adapterFiles) : null;
  if (outDir) writeRebuilt(outDir, scaffold, adapter);
  return { scaffold, scaffoldId, scaffoldFiles, adapter, outDir };
}

/** The adapter folder checked against the hashes the log pinned; written from the log's blobs when it is not on disk. */
function verifyAdapter(store: EventStore, adaptersDir: string, nodeId: string, adapterId: string, pinned: Record<string, string> | null) {
  if (!pinned) throw new IntegrityError(`node ${nodeId} serves adapter ${adapterId}, which no weights.checkpointed of its experiment pins`);
  const dir = join(adaptersDir, adapterId);
  if (adapterInLog(store, pinned)) materializeAdapter(store, dir, pinned);
  for (const [name, expected] of Object.entries(pinned)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new IntegrityError(`adapter file ${path} is missing (pinned by weights.checkpointed of ${adapterId})`);
    const actual = sha256Hex(readFileSync(path));
    if (actual !== expected)
      throw new IntegrityError(`adapter file ${path} was changed: sha256 ${actual}, weights.checkpointed of ${adapterId} pinned ${expected}`);
  }
  // The manifest's own list too (a file the event does not pin, e.g. metrics.jsonl, must still match the manifest).
  verifyAdapterDir(dir);
  return { adapterId, dir, files: pinned };
}

function writeRebuilt(outDir: string, scaffold: ScaffoldFiles, adapter: RebuiltNode['adapter']): void {
  for (const [path, content] of Object.entries(scaffold.files)) {
    const target = join(outDir, 'scaffold', path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  if (!adapter) return;
  mkdirSync(join(outDir, 'adapter'), { recursive: true });
  for (const [name, expected] of Object.entries(adapter.files)) {
    const target = join(outDir, 'adapter', name);
    copyFileSync(join(adapter.dir, name), target);
    if (sha256Hex(readFileSync(target)) !== expected) throw new IntegrityError(`copy of adapter file ${name} at ${target} does not match its pinned sha256`);
  }
}
