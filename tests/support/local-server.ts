/** Serves a Hono app on 127.0.0.1 at a free port, for tests that speak real HTTP. */

import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

export function startLocalServer(app: Hono): Promise<LocalServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
