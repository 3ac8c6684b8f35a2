/**
 * Peak memory of the whole loop as users run it: `sia run --task lawbench --mode w+h --iterations 6` in a child
 * process (bin/sia.js), its peak RSS from GNU time (the largest process: sia itself, not the sandbox children).
 * Goal: under 300 MB.
 *   node bin/run-ts.js bench/run-memory.ts [ITERATIONS]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ITERATIONS = process.argv[2] ?? '6';
const TIME = '/usr/bin/time';
if (!existsSync(TIME)) throw new Error('needs GNU time at /usr/bin/time for peak RSS (apt-get install time)');
const directory = mkdtempSync(join(tmpdir(), 'sia-run-memory-'));
const sia = join(import.meta.dirname, '..', 'bin', 'sia.js');
const args = ['run', '--task', 'lawbench', '--mode', 'w+h', '--iterations', ITERATIONS, '--db', join(directory, 'sia.db')];
const started = performance.now();
const child = spawnSync(TIME, ['-f', '%M', '-o', join(directory, 'rss'), process.execPath, sia, ...args], { encoding: 'utf8' });
const seconds = (performance.now() - started) / 1000;
if (child.status !== 0) throw new Error(`sia ${args.join(' ')} exited ${child.status}: ${child.stderr.slice(-2000)}`);
const peakMb = Number(readFileSync(join(directory, 'rss'), 'utf8').trim().split('\n').pop()) / 1024;
console.log(`sia ${args.slice(0, -2).join(' ')}: ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB; ${child.stdout.trim().split('\n')[0]}`);
console.log(`ratio ${(peakMb / 300).toFixed(2)} (goal < 1) — peak RSS / 300 MB`);
console.log(
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`,
);
