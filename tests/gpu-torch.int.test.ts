/**
 * The torch half of gpu/tests, run with gpu/.venv's interpreter (torch CPU build, transformers, peft): every
 * golden vector of training-anchors.md §1 on torch float64, and the torch backend training the tiny random
 * gpt-oss (every loss kind, checkpointing, micro-batches, adapter reload). A missing venv fails with the command
 * that makes it, and a skipped torch test fails the run: these tests must never pass by not running.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GPU_DIR, requireVenv } from './support/venv.ts';

const MODULES = ['tests.test_losses', 'tests.test_torch_training', 'tests.test_torch_mechanics'];

describe('gpu/ worker on torch (gpu/.venv)', () => {
  it('passes the torch golden vectors and the tiny gpt-oss training tests, none skipped', () => {
    const python = requireVenv();
    const done = spawnSync(python, ['-m', 'unittest', '-v', ...MODULES], {
      cwd: GPU_DIR,
      encoding: 'utf8',
      timeout: 280_000,
      // A private tiny-model folder: never the user's cache, and built once for the whole run.
      env: { ...process.env, SIA_TINY_MODEL_DIR: join(mkdtempSync(join(tmpdir(), 'sia-tiny-')), 'tiny-gpt-oss'), PYTHONUNBUFFERED: '1' },
    });
    expect(done.error, String(done.error)).toBeUndefined();
    expect(done.status, done.stderr.slice(-4000)).toBe(0);
    expect(done.stderr).not.toMatch(/skipped/);
    for (const suite of ['TorchLossGoldensTest', 'TorchTrainingDirectionTest', 'TorchMechanicsTest']) expect(done.stderr).toMatch(new RegExp(`\\(tests\\.\\w+\\.${suite}\\.`));
    const ran = Number(/Ran (\d+) tests/.exec(done.stderr)?.[1] ?? 0);
    expect(ran).toBeGreaterThanOrEqual(50);
  }, 300_000);
});
