import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { IntegrityError, NotFoundError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';

/**
 * Adapters are content-addressed blobs in the log: weights.checkpointed names each file by its sha256, and the
 * bytes are stored under that hash, so a copy of the database alone rebuilds every adapter. The directory a
 * trainer or policy reads is a cache, written from the blobs when it is missing.
 */
export function storeAdapterBlobs(store: EventStore, dir: string, files: Record<string, string>): void {
  for (const [name, expected] of Object.entries(files)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new NotFoundError(`adapter file ${path} is missing: the trainer reported it in its manifest`);
    const sha = store.putBlob(readFileSync(path));
    if (sha !== expected) throw new IntegrityError(`adapter file ${path} hashes to ${sha}, its manifest says ${expected}`);
  }
}

/** True when every file of the adapter is in the log (a remote trainer's adapter may live only on its volume). */
export const adapterInLog = (store: EventStore, files: Record<string, string>) => Object.values(files).every((sha) => store.getBlob(sha) !== null);

/**
 * Writes the adapter's files from the log into `dir` when it does not exist (written whole, then renamed). An
 * existing folder is left as it is: readers verify it, so a changed file is reported, not silently replaced.
 */
export function materializeAdapter(store: EventStore, dir: string, files: Record<string, string>): void {
  if (existsSync(dir)) return;
  const staging = join(dirname(dir), `.${basename(dir)}.materialize-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const [name, sha] of Object.entries(files)) {
    const bytes = store.getBlob(sha);
    if (!bytes)
      throw new NotFoundError(`adapter file ${name} (sha256 ${sha}) is neither at ${dir} nor in the log`, {
        hint: 'it was trained before adapters were stored in the log: copy its folder next to the database',
      });
    writeFileSync(join(staging, name), bytes);
  }
  mkdirSync(dirname(dir), { recursive: true });
  renameSync(staging, dir);
}
