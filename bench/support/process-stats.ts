/**
 * What the benches that run sia as a child process measure: wall time and peak RSS (GNU time's %M) of one run,
 * and the machine's load, printed with every figure so a ratio can be read against what else was running.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const TIME = '/usr/bin/time';
let rssFile: string | null = null;

/** `node ...args` once: wall milliseconds (measured here), peak RSS in MB and its stdout; a failed run fails the bench. */
export function runNode(args: string[], env: Record<string, string> = {}): { ms: number; mb: number; stdout: string } {
  if (!existsSync(TIME)) throw new Error('needs GNU time at /usr/bin/time for peak RSS (apt-get install time)');
  rssFile ??= join(mkdtempSync(join(tmpdir(), 'sia-bench-rss-')), 'rss');
  const started = performance.now();
  const child = spawnSync(TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
  return { ms, mb: Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024, stdout: child.stdout };
}

export const loadAverageLine = (): string =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;
