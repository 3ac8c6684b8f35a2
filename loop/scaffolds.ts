import { IntegrityError } from '../core/errors.ts';
import { canonicalJson, sha256Hex } from '../core/hashing.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import type { ScaffoldFiles } from '../core/ports/task.ts';

/** Stores a scaffold's files as blobs; its id is the hash of (entry, path → file hash). */
export function storeScaffold(store: EventStore, scaffold: ScaffoldFiles): { scaffoldId: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const [path, content] of Object.entries(scaffold.files)) files[path] = store.putBlob(content);
  return { scaffoldId: scaffoldIdOf(scaffold.entry, files), files };
}

export const scaffoldIdOf = (entry: string, files: Record<string, string>) => sha256Hex(canonicalJson({ entry, files }));

/** Rebuilds a scaffold's files from the log's blobs (hashes checked by the store). */
export function loadScaffold(store: EventStore, entry: string, files: Record<string, string>): ScaffoldFiles {
  const contents: Record<string, string> = {};
  for (const [path, sha] of Object.entries(files)) {
    const text = store.getBlobText(sha);
    if (text === null) throw new IntegrityError(`scaffold file ${path} (blob ${sha}) is missing from the log`);
    contents[path] = text;
  }
  return { entry, files: contents };
}
