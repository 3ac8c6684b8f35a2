import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { EventStore } from '../core/ports/event-store.ts';
import type { PolicyModel } from '../core/ports/policy-model.ts';
import { createChatCompletions, createGateway, createRunRegistry } from '../server/gateway.ts';

/** Starts the recording gateway on loopback (an ephemeral port) for the sandboxed scaffolds to call. */
export async function startGateway(store: EventStore, policy: () => PolicyModel) {
  const runs = createRunRegistry(store);
  const app = new Hono().route('/v1', createGateway({ policy, runs }));
  const complete = createChatCompletions({ policy, runs });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    /** The same completion without HTTP, for callers in this process (the sandbox's parent side). */
    complete,
    runs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
