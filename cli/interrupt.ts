import type { EventStore } from '../core/ports/event-store.ts';

/** The shell's convention: 128 + the signal number. */
const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

export interface ResumeHint {
  experimentId: string;
  db: string;
  /** Flags the resume needs again because the log does not hold them (--config, an --iterations extension). */
  extraFlags: string[];
}

/** Quotes an argument for a POSIX shell when it needs it, so the printed command can be pasted as is. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

export function resumeCommand(hint: ResumeHint): string {
  return ['sia', 'run', '--resume', hint.experimentId, '--db', hint.db, ...hint.extraFlags].map(shellWord).join(' ');
}

/**
 * Ctrl-C or `kill` during `sia run`: say how to continue, then exit with 130 or 143.
 *
 * Exiting here is safe for the log. Every append is synchronous (better-sqlite3, and the PostgreSQL client
 * waits on its worker), and Node runs a signal handler only between pieces of synchronous code, so it never
 * runs inside an append: the log ends at a whole event, as after any kill, and `--resume` continues from there
 * (tests/loop-resume.property.int.test.ts stops a run after every append boundary).
 * Returns a function that removes the handlers.
 */
export function exitWithResumeHintOnSignal(store: EventStore, hint: ResumeHint): () => void {
  const onSignal = (signal: keyof typeof EXIT_ON_SIGNAL) => {
    const recorded = store.streamVersion(`experiment-${hint.experimentId}`) > 0;
    try {
      store.close();
    } catch {
      // The process ends either way; the log's last append already completed.
    }
    process.stderr.write(
      recorded
        ? `\nsia: interrupted (${signal}); the log is intact up to the last event. Continue with:\n  ${resumeCommand(hint)}\n`
        : `\nsia: interrupted (${signal}) before the experiment was recorded: nothing to resume, run the same command again\n`,
    );
    process.exit(EXIT_ON_SIGNAL[signal]);
  };
  const handlers = (Object.keys(EXIT_ON_SIGNAL) as (keyof typeof EXIT_ON_SIGNAL)[]).map((signal) => {
    const handler = () => onSignal(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}
