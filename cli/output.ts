import { type Fault, isSiaError } from '../core/errors.ts';

/** Exit codes: 1 a failure, 2 bad usage/input, 3 the log was tampered with (or is no sia log), 4 audit findings, 5 a log from a newer sia. */
export const EXIT = { failure: 1, usage: 2, tampered: 3, findings: 4, newer: 5 } as const;

const EXIT_BY_FAULT: Partial<Record<Fault, number>> = { input: EXIT.usage, user: EXIT.usage, integrity: EXIT.tampered, version: EXIT.newer };

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `sia events | head -1`: once the reader has what it wanted it closes the pipe, and the next write fails with
 * EPIPE. That is the reader's choice, not a failure, so sia stops quietly with 0. Log writes are synchronous,
 * so stopping here never cuts an append in half.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    console.error(`sia: cannot write the output: ${error.message}`);
    process.exit(EXIT.failure);
  });
}

/** Renders any error as one clear line (plus a hint), sets the exit code; never prints a secret-bearing config. */
export function reportError(error: unknown): void {
  if (isSiaError(error)) {
    console.error(`sia: ${error.name}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
    process.exitCode = EXIT_BY_FAULT[error.fault] ?? EXIT.failure;
    return;
  }
  // Not one of ours: a bug in sia or a plugin. One line by default; the stack is for whoever debugs it.
  const debug = Boolean(process.env.SIA_DEBUG);
  const message = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  console.error(
    `sia: unexpected error: ${message}${debug ? '' : '\n  hint: a bug in sia or a plugin; run again with SIA_DEBUG=1 for the stack trace and report it'}`,
  );
  process.exitCode = EXIT.failure;
}
