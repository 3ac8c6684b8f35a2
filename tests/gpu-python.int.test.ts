/**
 * The Python half of the trainer contract, run from vitest: gpu/tests with the system python3 (golden vectors of
 * training-anchors.md §1 on numpy, the toy worker end to end) and the stdlib schema checker on the same documents
 * zod accepts or rejects. Without python3 + numpy the suite is skipped with a printed reason. The torch half runs
 * in gpu/.venv from tests/gpu-torch.int.test.ts, which fails when it is missing or skipped.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GPU_DIR } from '../plugins/trainers/local.ts';
import { sampleJob, sampleRows } from './gpu-fixtures.ts';

const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const pythonMissing = probe.status === 0 ? null : `python3 with numpy is not available (${probe.error?.message ?? probe.stderr.trim()})`;
if (pythonMissing) console.warn(`[gpu-python] SKIPPED: ${pythonMissing}`);

function python(args: string[], input?: string) {
  return spawnSync('python3', args, { cwd: GPU_DIR, encoding: 'utf8', input, timeout: 60_000 });
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

describe.skipIf(pythonMissing !== null)('gpu/ Python worker', () => {
  it('passes gpu/tests (golden vectors, toy worker), reporting any skipped torch half', () => {
    const done = python(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.', '-v']);
    const skipped = [...new Set(done.stderr.match(/skipped '[^']+'/g) ?? [])];
    for (const line of skipped) console.warn(`[gpu-python] ${line}`);
    expect(done.status, done.stderr.slice(-3000)).toBe(0);
    expect(done.stderr).toMatch(/NumpyLossGoldensTest/);
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
