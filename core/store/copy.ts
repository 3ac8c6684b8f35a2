import { IllegalStateError, IntegrityError } from '../errors.ts';
import type { EventStore } from '../ports/event-store.ts';

export interface CopyResult {
  events: number;
  blobs: number;
  head: { position: number; hash: string | null };
}

const BATCH = 1000;

/**
 * Copies a whole log into an empty one, rows verbatim (positions, recorded times and hashes intact), then every
 * blob, then verifies the copy and checks that its head is the source's. Projection checkpoints are caches and
 * are rebuilt by readers, so they are not copied.
 */
export function copyLog(from: EventStore, to: EventStore): CopyResult {
  if (to.head() !== 0)
    throw new IllegalStateError(`the destination log already holds ${to.head()} events`, { hint: 'copy into a new file, or an empty database or schema' });
  const source = from.verify();
  if (!source.ok)
    throw new IntegrityError(`the source log is not intact at position ${source.position}: ${source.reason}`, source.position, {
      hint: 'run `sia verify` on it',
    });
  let batch = [];
  for (const row of from.exportRows()) {
    batch.push(row);
    if (batch.length === BATCH) {
      to.importRows(batch);
      batch = [];
    }
  }
  if (batch.length) to.importRows(batch);
  let blobs = 0;
  for (const sha of from.blobHashes()) {
    const content = from.getBlob(sha);
    if (content && to.putBlob(content) === sha) blobs += 1;
  }
  const copy = to.verify();
  if (!copy.ok) throw new IntegrityError(`the copy is not intact at position ${copy.position}: ${copy.reason}`, copy.position);
  if (copy.checked !== source.checked || copy.head !== source.head) {
    throw new IntegrityError(`the copy's head (${copy.checked}, ${copy.head}) is not the source's (${source.checked}, ${source.head})`);
  }
  return { events: copy.checked, blobs, head: { position: copy.checked, hash: copy.head } };
}
