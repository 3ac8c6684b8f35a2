import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sha256Hex } from '../core/hashing.ts';
import { refuse } from './refusal.ts';

const TOKEN_COOKIE = 'sia_token';

export const isLoopbackHost = (host: string) => /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);

const sameSecret = (given: string, token: string) => timingSafeEqual(Buffer.from(sha256Hex(given)), Buffer.from(sha256Hex(token)));

/**
 * Bearer-token check on every route. Browsers cannot add a header to a page load or an EventSource, so the UI
 * is opened once as `/?token=...`: the server answers with an HttpOnly, SameSite=Strict cookie holding the
 * token and a redirect that drops it from the address bar; the cookie then stands in for the header.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async (c, next) => {
    const offered = c.req.query('token');
    if (c.req.method === 'GET' && c.req.path === '/' && offered !== undefined && sameSecret(offered, token)) {
      setCookie(c, TOKEN_COOKIE, offered, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    const header = c.req.header('authorization') ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? getCookie(c, TOKEN_COOKIE);
    if (bearer === undefined || !sameSecret(bearer, token)) {
      c.header('WWW-Authenticate', 'Bearer realm="sia"');
      return refuse(c, {
        status: 401,
        error: 'Unauthorized',
        message: 'this server needs `Authorization: Bearer <token>`',
        field: 'Authorization',
        hint: 'open the UI once with the link sia serve printed, /?token=<token>',
      });
    }
    return next();
  };
}

/**
 * Without a token the server only listens on loopback; refusing other Host headers there keeps a web page on
 * some other site from reaching it through DNS rebinding.
 */
export function requireLoopbackHostHeader(): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
    if (host && !isLoopbackHost(host)) {
      return refuse(c, { status: 403, error: 'Forbidden', message: `Host ${host} is not a loopback name; this server has no token`, field: 'Host' });
    }
    return next();
  };
}
