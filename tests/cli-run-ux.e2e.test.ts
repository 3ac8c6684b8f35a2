import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';

const freshDb = () => join(mkdtempSync(join(tmpdir(), 'sia-run-ux-')), 'sia.db');
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** How many eval results the log holds (0 while the file or its tables do not exist yet). */
function evaluations(db: string): number {
  try {
    const store = openSqliteEventStore(db, { readonly: true });
    try {
      return store.read({ types: ['evaluation.recorded'] }).length;
    } finally {
      store.close();
    }
  } catch {
    return 0;
  }
}

/** Starts `sia run`, sends `signal` once the log holds more than `after` evaluations, and returns how it ended. */
async function interruptRun(args: string[], db: string, signal: NodeJS.Signals, after: number) {
  const child = spawn('node', ['bin/sia.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (evaluations(db) <= after) {
    if (Date.now() > deadline) throw new Error(`no evaluation past ${after} came: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill(signal);
  return { status: await exited, stderr };
}

function experimentsJson(db: string) {
  const result = sia(['experiments', '--db', db, '--json']);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout).experiments as {
    id: string;
    status: string;
    task: string;
    mode: string;
    best: { dev: number | null; holdout: number | null };
    createdAt: string;
  }[];
}

describe('sia run: interrupted, resumed, listed', () => {
  it('SIGINT and SIGTERM print the exact resume command, exit 130 and 143, and the log resumes to a finished experiment', { timeout: 300_000 }, async () => {
    const db = freshDb();
    const RUN = ['run', '--task', 'gsm8k', '--mode', 'w+h', '--iterations', '2', '--seed', '3', '--db', db];
    const first = await interruptRun(RUN, db, 'SIGINT', 0);
    expect(first.status).toBe(130);
    const [running] = experimentsJson(db);
    expect(running).toMatchObject({ task: 'gsm8k', mode: 'w+h', status: 'running' });
    const resume = `sia run --resume ${running.id} --db ${db}`;
    expect(first.stderr).toContain(`\n  ${resume}\n`);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(sia(['verify', '--db', db]).status).toBe(0);

    // The resumed run is interrupted too, with SIGTERM this time, further along.
    const second = await interruptRun(resume.split(' ').slice(1), db, 'SIGTERM', evaluations(db));
    expect(second.status).toBe(143);
    expect(second.stderr).toContain(`\n  ${resume}\n`);

    const done = sia(resume.split(' ').slice(1));
    expect(done.status, done.stderr).toBe(0);
    const [finished] = experimentsJson(db);
    expect(finished).toMatchObject({ id: running.id, status: 'finished', best: { dev: expect.any(Number), holdout: expect.any(Number) } });
    expect(sia(['verify', '--db', db]).status).toBe(0);
  });

  it('sia experiments lists each experiment with its status and best scores, read-only', { timeout: 240_000 }, () => {
    const db = freshDb();
    expect(sia(['run', '--task', 'gsm8k', '--mode', 'h', '--iterations', '1', '--db', db]).status).toBe(0);
    // A budget of one token runs out at once: the loop stops rather than finishes.
    expect(sia(['run', '--task', 'gsm8k', '--mode', 'h', '--iterations', '3', '--max-tokens', '1', '--db', db]).status).toBe(0);
    const before = sha(db);
    const rows = experimentsJson(db);
    expect(rows.map((row) => row.status)).toEqual(['finished', 'stopped']);
    expect(rows[0].best.dev).toEqual(expect.any(Number));
    expect(Date.parse(rows[0].createdAt)).toBeLessThanOrEqual(Date.parse(rows[1].createdAt));
    const text = sia(['experiments', '--db', db]);
    expect(text.status).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TASK\s+MODE\s+STATUS\s+BEST DEV\s+HOLDOUT\s+CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${rows[0].id}\\s+gsm8k\\s+h\\s+finished\\s+${rows[0].best.dev?.toFixed(4)}`));
    expect(lines[2]).toMatch(new RegExp(`^${rows[1].id}\\s+gsm8k\\s+h\\s+stopped`));
    expect(sha(db), 'listing writes nothing (no projection checkpoint either)').toBe(before);
  });
});

describe('sia run and sia audit output', () => {
  it('cuts decision reasons at a word, labels tokens as cumulative, and prints each audit check once', { timeout: 300_000 }, () => {
    const db = freshDb();
    const run = sia(['run', '--task', 'gsm8k', '--mode', 'w+h', '--iterations', '2', '--db', db, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const experimentId = JSON.parse(run.stdout).experimentId as string;

    const decided = JSON.parse(sia(['events', '--db', db, '--type', 'feedback.decided', '--json']).stdout).events as { data: { rationale: string } }[];
    const shown = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('[iteration '))
      .map((line) => line.slice(line.indexOf(' — ') + 3));
    expect(shown).toHaveLength(2);
    expect(
      shown.some((text) => text.endsWith('…')),
      'the offline rationales are longer than a line',
    ).toBe(true);
    shown.forEach((text, index) => {
      const full = decided[index].data.rationale.replace(/\s+/g, ' ').trim();
      const kept = text.replace(/…$/, '');
      expect(full.startsWith(kept)).toBe(true);
      // Whole words only: what follows the kept part starts a new word (or punctuation dropped before the ellipsis).
      expect(full.slice(kept.length)).toMatch(text.endsWith('…') ? /^[\s,;:.—-]*\s/ : /^$/);
    });

    const usage = run.stderr.split('\n').filter((line) => line.includes(' tokens'));
    expect(usage.length).toBeGreaterThan(3);
    expect(usage.slice(0, -1).every((line) => /\[\d+ tokens so far/.test(line))).toBe(true);
    expect(usage.at(-1)).toMatch(/^finished .*\[\d+ tokens in all/);

    const audit = sia(['audit', experimentId, '--db', db]);
    expect(audit.status, audit.stderr).toBe(0);
    const output = `${audit.stdout}\n${audit.stderr}`;
    for (const check of ['isolation', 'divergence', 'verifier-pinning', 'robustness', 'coupling', 'static-scan', 'canaries', 'serving-parity']) {
      expect(
        output.split('\n').filter((line) => line.includes(`pass ${check}:`)),
        check,
      ).toHaveLength(1);
    }
    // The in-process tiny policy serves nothing, so there is no served logprob to compare with the trainer's.
    expect(output).toMatch(/pass serving-parity: not applicable/);
  });
});
