import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { refuse } from './refusal.ts';

/** Default cap on a request body: far above a chat request with a long case and 202 candidates (~30 KB). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Caps the body of every request that writes (POST, PUT, PATCH, DELETE): a declared Content-Length over the cap
 * is refused before any byte is read, a chunked body as soon as it passes the cap, so a huge POST costs at most
 * the cap in memory. Other methods are not looked at: no route reads their body, and reading `c.req.raw.body`
 * makes the Node adapter build a whole fetch Request, a third of a small GET's cost.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => refuse(c, { status: 413, error: 'PayloadTooLarge', message: `request body over ${maxBytes} bytes`, field: 'body' }),
  });
  return (c, next) => (WRITES.has(c.req.method) ? limit(c, next) : next());
}

/**
 * Requests that may write need `Content-Type: application/json`: a web page can send text/plain or form bodies
 * to any origin without a CORS preflight, JSON it cannot.
 */
export function requireJsonBody(): MiddlewareHandler {
  return async (c, next) => {
    if (!WRITES.has(c.req.method)) return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(c, {
        status: 415,
        error: 'UnsupportedMediaType',
        message: `Content-Type ${type || '(none)'} refused: send application/json`,
        field: 'Content-Type',
      });
    }
    return next();
  };
}

/**
 * Browsers name the page's origin on every cross-origin request and on same-origin writes; a request whose
 * Origin is not this server (as its Host header names it) comes from another site's page and is refused.
 * Clients that are not browsers send no Origin and are judged by the token alone.
 */
export function requireSameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const host = c.req.header('host') ?? '';
    let sameOrigin = false;
    try {
      sameOrigin = new URL(origin).host === host.toLowerCase();
    } catch {
      sameOrigin = false;
    }
    if (!sameOrigin)
      return refuse(c, {
        status: 403,
        error: 'Forbidden',
        message: `Origin ${origin} is not this server (${host}): cross-origin requests are refused`,
        field: 'Origin',
      });
    return next();
  };
}
