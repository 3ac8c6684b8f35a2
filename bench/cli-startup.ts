/**
 * What a `sia` command costs before it does anything: wall time and peak RSS of `sia verify` on a small log and of
 * `sia --help`, against `node -e 0`, runs of the three alternating so machine load touches each alike; medians.
 * Runs the CLI as users do (bin/sia.js: dist/ when built and fresh, else tsx), and once more through tsx for
 * comparison. Peak RSS comes from GNU time (/usr/bin/time). Goal: verify within 3× of node -e 0, under 80 MB.
 *   node bin/run-ts.js bench/cli-startup.ts [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../core/store/index.ts';
import { experimentCreated, logEvent } from '../tests/support/events.ts';
import { loadAverageLine, runNode } from './support/process-stats.ts';

const RUNS = Number(process.argv[2] ?? 11);
const directory = mkdtempSync(join(tmpdir(), 'sia-cli-startup-'));
const db = join(directory, 'sia.db');
const store = openSqliteEventStore(db);
store.append('experiment-x1', [experimentCreated('x1')]);
store.append(
  'run-r1',
  Array.from({ length: 200 }, (_, i) => logEvent(`e${i}`, 'r1', i)),
);
store.close();

const sia = join(import.meta.dirname, '..', 'bin', 'sia.js');
const commands: Record<string, { args: string[]; env?: Record<string, string> }> = {
  'node -e 0': { args: ['-e', '0'] },
  'sia verify': { args: [sia, 'verify', '--db', db] },
  'sia --help': { args: [sia, '--help'] },
  'sia verify (tsx)': { args: [sia, 'verify', '--db', db], env: { SIA_NO_DIST: '1' } },
};

const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, [] as { ms: number; mb: number }[]]));
for (const { args, env } of Object.values(commands)) runNode(args, env); // warm the file cache (and tsx's)
for (let run = 0; run < RUNS; run++) for (const [name, { args, env }] of Object.entries(commands)) samples[name]!.push(runNode(args, env));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (name: string) => median(samples[name]!.map((sample) => sample.ms));
const mb = (name: string) => median(samples[name]!.map((sample) => sample.mb));
const fresh = spawnSync(
  process.execPath,
  ['--input-type=module', '-e', "import { distIsFresh } from './bin/dist-fresh.js'; process.stdout.write(String(distIsFresh()))"],
  {
    cwd: join(import.meta.dirname, '..'),
    encoding: 'utf8',
  },
).stdout;
console.log(`dist/ ${fresh === 'true' ? 'built and fresh: sia runs as JavaScript' : 'missing or stale: sia runs through tsx'}; ${RUNS} runs each`);
for (const name of Object.keys(commands)) console.log(`${name.padEnd(18)} median ${ms(name).toFixed(0).padStart(5)} ms, peak RSS ${mb(name).toFixed(1)} MB`);
const baseline = ms('node -e 0');
console.log(`ratio ${(ms('sia verify') / baseline).toFixed(2)} (goal < 3) — sia verify on a small log / node -e 0, wall time`);
console.log(`ratio ${(mb('sia verify') / 80).toFixed(2)} (goal < 1) — sia verify peak RSS / 80 MB (${mb('sia verify').toFixed(1)} MB)`);
console.log(`ratio ${(ms('sia --help') / baseline).toFixed(2)} (goal < 3) — sia --help / node -e 0, wall time`);
console.log(`ratio ${(ms('sia verify (tsx)') / ms('sia verify')).toFixed(2)} — sia verify through tsx / as run (what the build saves)`);
console.log(loadAverageLine());
