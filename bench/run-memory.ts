/**
 * Peak memory of the whole loop as users run it: `sia run --task lawbench --mode w+h --iterations 6` in a child
 * process (bin/sia.js), its peak RSS from GNU time (the largest process: sia itself, not the sandbox children).
 * Goal: under 300 MB.
 *   node bin/run-ts.js bench/run-memory.ts [ITERATIONS]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAverageLine, runNode } from './support/process-stats.ts';

const ITERATIONS = process.argv[2] ?? '6';
const directory = mkdtempSync(join(tmpdir(), 'sia-run-memory-'));
const sia = join(import.meta.dirname, '..', 'bin', 'sia.js');
const args = ['run', '--task', 'lawbench', '--mode', 'w+h', '--iterations', ITERATIONS, '--db', join(directory, 'sia.db')];
const { ms, mb, stdout } = runNode([sia, ...args]);
console.log(`sia ${args.slice(0, -2).join(' ')}: ${(ms / 1000).toFixed(1)} s, peak RSS ${mb.toFixed(0)} MB; ${stdout.trim().split('\n')[0]}`);
console.log(`ratio ${(mb / 300).toFixed(2)} (goal < 1) — peak RSS / 300 MB`);
console.log(loadAverageLine());
