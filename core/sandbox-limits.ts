/**
 * How big one solve() output may be. A task declares its own limit (`Task.limits`) when its answers are large
 * (denoising returns whole signals); the limit used is recorded in the experiment's settings, so resume, fork
 * and replay judge outputs the same way. Pure: no IO.
 */
import { ValidationError } from './errors.ts';

/** The limit of tasks that declare none, and of logs recorded before tasks could declare one. */
export const DEFAULT_MAX_OUTPUT_JSON_BYTES = 1024 * 1024;
/** No task may ask for more: the parent holds each output in memory and records it in the log. */
export const MAX_OUTPUT_JSON_BYTES_CEILING = 32 * 1024 * 1024;

export interface TaskLimits {
  /** Bytes of the JSON of one solve() output; larger outputs are `output` errors scored 0. */
  maxOutputJsonBytes?: number;
}

/** The output limit a task declares, checked; the default when it declares none. */
export function taskOutputLimit(task: { id: string; limits?: TaskLimits }): number {
  const declared = task.limits?.maxOutputJsonBytes;
  if (declared === undefined) return DEFAULT_MAX_OUTPUT_JSON_BYTES;
  if (!Number.isInteger(declared) || declared <= 0) {
    throw new ValidationError(`must be a positive integer of bytes, got ${JSON.stringify(declared)}`, `task ${task.id}: limits.maxOutputJsonBytes`, {
      hint: 'fix the task plugin',
    });
  }
  if (declared > MAX_OUTPUT_JSON_BYTES_CEILING) {
    throw new ValidationError(
      `${declared} bytes is above the ceiling of ${formatBytes(MAX_OUTPUT_JSON_BYTES_CEILING)}`,
      `task ${task.id}: limits.maxOutputJsonBytes`,
      {
        hint: 'fix the task plugin',
      },
    );
  }
  return declared;
}

/** "1 MiB", "2.3 MiB", "512 KiB", "900 bytes": for error messages. */
export function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes >= mib) return `${Number((bytes / mib).toFixed(1))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KiB`;
  return `${bytes} bytes`;
}

/** The message of an over-limit output. */
export function overOutputLimitMessage(bytes: number, limit: number): string {
  return `output ${formatBytes(bytes)} exceeds the task's limit of ${formatBytes(limit)}`;
}
