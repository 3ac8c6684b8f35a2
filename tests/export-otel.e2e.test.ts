import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { sia } from './support/cli.ts';

interface OtlpSpan {
  traceId: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  events?: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[];
}
const spansOf = (body: { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }) => body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

/** A local OTLP/HTTP receiver: records every POST body it gets. */
async function receiver() {
  const received: { path: string; contentType: string; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '', body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, received, close: () => server.close() };
}

describe('sia export otel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sia-otel-'));
  const db = join(dir, 'sia.db');
  let experimentId = '';
  const counts = { runs: 0, calls: 0, inputTokens: 0, rewards: 0, decisions: 0, trainings: 0 };

  beforeAll(() => {
    // Two iterations: under 5% of the seed's rollouts succeed, so the first decision is a harness edit and the second trains.
    const run = sia(['run', '--task', 'lawbench', '--mode', 'w+h', '--iterations', '2', '--db', db, '--json'], { timeoutMs: 240_000 });
    expect(run.status).toBe(0);
    experimentId = JSON.parse(run.stdout).experimentId;
    const store = openSqliteEventStore(db);
    for (const event of store.iterate()) {
      if (event.type === 'run.started') counts.runs += 1;
      if (event.type === 'run.step_recorded' && event.data.step.kind === 'llm_call') {
        counts.calls += 1;
        counts.inputTokens += event.data.step.usage.promptTokens;
      }
      if (event.type === 'reward.recorded') counts.rewards += 1;
      if (event.type === 'feedback.decided') counts.decisions += 1;
      if (event.type === 'training.submitted') counts.trainings += 1;
    }
    store.close();
  }, 300_000);

  it('posts OTLP JSON to a collector: a trace per run plus the experiment, a GenAI span per model call, rewards as evaluation events', async () => {
    const collector = await receiver();
    try {
      // Run asynchronously: the receiver lives in this process and must answer while the CLI posts.
      const exported = await promisify(execFile)('node', ['bin/sia.js', 'export', 'otel', experimentId, '--db', db, '--endpoint', collector.url]);
      expect(exported.stderr).toBe('');
      expect(exported.stdout).toMatch(/^exported \d+ spans/);
      expect(collector.received.map((r) => [r.path, r.contentType])).toEqual(collector.received.map(() => ['/v1/traces', 'application/json']));
      const spans = collector.received.flatMap((r) => spansOf(JSON.parse(r.body)));
      expect(new Set(spans.map((span) => span.traceId)).size).toBe(counts.runs + 1);
      const calls = spans.filter((span) => attribute(span, 'gen_ai.operation.name') === 'chat');
      expect(calls).toHaveLength(counts.calls);
      expect(calls[0].name).toBe(`chat ${attribute(calls[0], 'gen_ai.request.model')}`);
      expect(calls.every((span) => attribute(span, 'gen_ai.provider.name') === 'sia.tiny')).toBe(true);
      expect(calls.reduce((sum, span) => sum + Number(attribute(span, 'gen_ai.usage.input_tokens')), 0)).toBe(counts.inputTokens);
      expect(calls.some((span) => attribute(span, 'gen_ai.input.messages') !== undefined)).toBe(false);
      const evaluations = spans.flatMap((span) => span.events ?? []).filter((event) => event.name === 'gen_ai.evaluation.result');
      expect(evaluations).toHaveLength(counts.rewards);
      expect(spans.filter((span) => span.name.startsWith('sia.decision '))).toHaveLength(counts.decisions);
      expect(spans.filter((span) => span.name.startsWith('sia.training '))).toHaveLength(counts.trainings);
      expect(counts.trainings).toBeGreaterThan(0);
    } finally {
      collector.close();
    }
  }, 60_000);

  it('writes the same spans to a file, with the same ids every time, and messages only when asked', () => {
    const file = (name: string, extra: string[] = []) => {
      const out = join(dir, name);
      expect(sia(['export', 'otel', experimentId, '--db', db, '--out', out, ...extra]).status).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const first = file('a.json');
    expect(file('b.json')).toBe(first);
    const spans = spansOf(JSON.parse(first));
    expect(spans.filter((span) => attribute(span, 'gen_ai.operation.name') === 'chat')).toHaveLength(counts.calls);
    const withMessages = spansOf(JSON.parse(file('c.json', ['--messages']))).filter((span) => attribute(span, 'gen_ai.operation.name') === 'chat');
    expect(JSON.parse(String(attribute(withMessages[0], 'gen_ai.input.messages')))[0]).toMatchObject({ role: expect.any(String), parts: [{ type: 'text' }] });
  }, 60_000);

  it('names a missing experiment and a missing target in one line', () => {
    const missing = sia(['export', 'otel', 'x-nope', '--db', db, '--out', join(dir, 'x.json')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no experiment x-nope/);
    const noTarget = sia(['export', 'otel', experimentId, '--db', db]);
    expect(noTarget.status).toBe(2);
    expect(noTarget.stderr).toMatch(/--out FILE or --endpoint URL/);
  });
});
