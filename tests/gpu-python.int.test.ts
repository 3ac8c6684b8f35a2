/**
 * The Python half of the trainer contract, run from vitest in gpu/.venv (made by gpu/venv.sh, which `npm test`
 * runs first): gpu/tests — golden vectors of training-anchors.md §1 on numpy and on torch (float64), the toy worker
 * end to end, the policy server — and the stdlib schema checker on the same documents zod accepts or rejects.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleJob, sampleRows } from './gpu-fixtures.ts';
import { GPU_DIR, requireVenv } from './support/venv.ts';

function python(args: string[], input?: string) {
  // A private tiny-model folder: never the user's cache, and built once for the whole run.
  const env = { ...process.env, SIA_TINY_MODEL_DIR: join(mkdtempSync(join(tmpdir(), 'sia-tiny-')), 'tiny-gpt-oss'), PYTHONUNBUFFERED: '1' };
  return spawnSync(requireVenv(), args, { cwd: GPU_DIR, encoding: 'utf8', input, timeout: 280_000, env });
}

/** Returns null when the document passes gpu/schema/NAME, else the failing field path. */
function pythonSchemaVerdict(document: unknown, schemaName: string): string | null {
  const script = [
    'import json, sys',
    'from sia_worker.schema_check import SchemaError, load_schema, validate, check_row_lengths',
    'document = json.load(sys.stdin)',
    'try:',
    `    validate(document, load_schema(${JSON.stringify(schemaName)}), "$")`,
    '    "tokens" in document and check_row_lengths(document, "$")',
    '    print("ok")',
    'except SchemaError as error:',
    '    print(error.path)',
  ].join('\n');
  const done = python(['-c', script], JSON.stringify(document));
  expect(done.status, done.stderr).toBe(0);
  const verdict = done.stdout.trim();
  return verdict === 'ok' ? null : verdict;
}

describe('gpu/ Python worker', () => {
  it('passes gpu/tests with nothing skipped: every golden vector on numpy and torch, the toy worker, the torch backend on the tiny gpt-oss, the policy server', {
    timeout: 300_000,
  }, () => {
    const done = python(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v']);
    expect(done.status, done.stderr.slice(-3000)).toBe(0);
    expect(done.stderr.match(/skipped '[^']+'/g) ?? []).toEqual([]);
    for (const suite of ['NumpyLossGoldensTest', 'TorchLossGoldensTest', 'WorkerTest', 'TorchTrainingDirectionTest', 'TorchMechanicsTest', 'PolicyServerTest'])
      expect(done.stderr).toMatch(new RegExp(`\\(tests\\.[a-z_]+\\.${suite}\\.`));
    expect(done.stderr).toMatch(/Ran \d+ tests/);
  });

  it('accepts what zod accepts and rejects what zod rejects, naming the same field', () => {
    expect(pythonSchemaVerdict(sampleJob(), 'train-job.schema.json')).toBeNull();
    expect(pythonSchemaVerdict(sampleRows()[0], 'batch-row.schema.json')).toBeNull();
    const badKind = { ...sampleJob(), loss: { ...sampleJob().loss, kind: 'reinforce' } };
    expect(pythonSchemaVerdict(badKind, 'train-job.schema.json')).toBe('$.loss.kind');
    expect(pythonSchemaVerdict({ ...sampleJob(), optim: { ...sampleJob().optim, epochs: 0 } }, 'train-job.schema.json')).toBe('$.optim.epochs');
    expect(pythonSchemaVerdict({ ...sampleJob(), job_id: '../x' }, 'train-job.schema.json')).toBe('$.job_id');
    expect(pythonSchemaVerdict({ ...sampleRows()[0], mask: [0, 1] }, 'batch-row.schema.json')).toBe('$.mask');
    expect(pythonSchemaVerdict({ ...sampleRows()[0], surprise: true }, 'batch-row.schema.json')).toBe('$.surprise');
  });
});
