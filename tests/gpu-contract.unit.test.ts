import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { parseTrainJob, parseTrainRows, renderJsonSchema, trainerJsonSchemas } from '../plugins/trainers/job-schema.ts';
import { sampleJob, sampleRows } from './gpu-fixtures.ts';

describe('trainer contract (sia.train-job/v1)', () => {
  it('accepts the sample job and rows, preference rows included', () => {
    expect(parseTrainJob(sampleJob()).job_id).toBe('j-000001');
    const preference = {
      group: 'g',
      chosen: { tokens: [1, 2], mask: [0, 1] },
      rejected: { tokens: [1, 3], mask: [0, 1] },
      ref_lp_chosen: null,
      ref_lp_rejected: -2,
    };
    expect(parseTrainRows([...sampleRows(), preference])).toHaveLength(3);
  });

  it('names the bad field of a job', () => {
    const bad = { ...sampleJob(), loss: { ...sampleJob().loss, kind: 'reinforce' } };
    expect(() => parseTrainJob(bad)).toThrow(ValidationError);
    expect(() => parseTrainJob(bad)).toThrow(/job\.loss\.kind/);
    expect(() => parseTrainJob({ ...sampleJob(), extra: 1 })).toThrow(/job/);
    expect(() => parseTrainJob({ ...sampleJob(), job_id: '../escape' })).toThrow(/job\.job_id/);
  });

  it('names the bad field of a row, including per-token arrays that do not line up', () => {
    const [row] = sampleRows();
    expect(() => parseTrainRows([{ ...row, mask: [0, 1] }])).toThrow(/rows\[0\]\.mask/);
    expect(() => parseTrainRows([{ ...row, advantages: [1] }])).toThrow(/rows\[0\]\.advantages/);
    expect(() => parseTrainRows([{ ...row, tokens: [0, -1, 2] }])).toThrow(/rows\[0\]/);
  });

  it('keeps gpu/schema/*.json in sync with the zod schemas (regenerate: node bin/run-ts.js gpu/write-schemas.ts)', () => {
    for (const [name, schema] of Object.entries(trainerJsonSchemas())) {
      const checkedIn = readFileSync(new URL(`../gpu/schema/${name}`, import.meta.url), 'utf8');
      expect(checkedIn, `gpu/schema/${name} is stale`).toBe(renderJsonSchema(schema));
    }
  });
});
