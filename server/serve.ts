import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { ValidationError } from '../core/errors.ts';
import type { EventStore } from '../core/ports/event-store.ts';
import { type AppOptions, createApp } from './app.ts';
import { isLoopbackHost } from './auth.ts';

export interface ServeOptions extends Omit<AppOptions, 'store'> {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  app: Hono;
  close(): Promise<void>;
}

/** Refuses, before anything listens, to expose the log beyond this machine without a token. */
export function checkBinding(host: string, token: string | null | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new ValidationError(`binding to ${host} (not loopback) requires a token`, '--no-token', {
      hint: 'drop --no-token (a token is generated), pass --token or set SIA_TOKEN; or bind to 127.0.0.1',
    });
  }
}

/** Serves createApp(...) over HTTP with @hono/node-server; resolves once it listens. */
export async function startServer(store: EventStore, options: ServeOptions = {}): Promise<RunningServer> {
  // `[::1]` as written in URLs is `::1` to the socket.
  const host = (options.host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  checkBinding(host, options.token);
  const app = createApp({ ...options, store });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 4600 }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    app,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Open SSE responses would keep close() waiting for ever: end them too.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
