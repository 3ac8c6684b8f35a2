import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteEventStore } from '../core/store/index.ts';
import { servingGateway } from '../gateway/serving.ts';
import { createApp } from '../server/app.ts';

describe('the gateway sia serve mounts at /v1', () => {
  it('answers guided-choice chat completions and records every call, refusing free text with a 400', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sia-serve-gw-')), 'sia.db');
    const store = openSqliteEventStore(db);
    const app = createApp({ store, gateway: await servingGateway(store, db) });
    const ask = (body: unknown) =>
      app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const answer = await ask({ model: 'policy', messages: [{ role: 'user', content: 'What is 2+2?' }], guided_choice: ['3', '4', '5'], logprobs: true });
    expect(answer.status).toBe(200);
    const completion = await answer.json();
    expect(['3', '4', '5']).toContain(completion.choices[0].message.content);
    expect(completion.choices[0].logprobs.content[0].logprob).toBeLessThanOrEqual(0);

    const freeText = await ask({ model: 'policy', messages: [{ role: 'user', content: 'hi' }] });
    expect(freeText.status).toBe(400);
    expect((await freeText.json()).error.message).toContain('guided');
    const invalid = await ask({ model: 'policy', messages: [] });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.param).toBe('messages');

    const steps = store.read({ types: ['run.step_recorded'] });
    expect(steps.map((event) => event.type === 'run.step_recorded' && event.data.step.kind)).toEqual(['llm_call', 'error']);
    expect(store.verify().ok).toBe(true);
    expect((await (await app.request('/v1/models')).json()).data[0].id).toBe('policy');
    store.close();
  });

  it('refuses to serve a node that does not exist', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sia-serve-gw-')), 'sia.db');
    const store = openSqliteEventStore(db);
    await expect(servingGateway(store, db, 'node-nope')).rejects.toThrow(/no node node-nope/);
    store.close();
  });
});
