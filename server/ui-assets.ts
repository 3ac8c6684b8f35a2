import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

const UI_FOLDER = fileURLToPath(new URL('./ui', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8',
  '.svg': 'image/svg+xml',
};

/**
 * The web UI: plain files from server/ui, read once when the app is made and served from memory. Only the
 * files found there are routed, so no request path can reach anything else on disk.
 */
export function mountUi(app: Hono, folder = UI_FOLDER): void {
  const files = new Map<string, { body: string; type: string }>();
  for (const name of readdirSync(folder)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(folder, name), 'utf8'), type });
  }
  // No third-party origin: the UI loads nothing from a CDN and talks to this server only.
  const policy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
  const send = (name: string) => {
    const file = files.get(name);
    return file
      ? new Response(file.body, { headers: { 'content-type': file.type, 'content-security-policy': policy, 'x-content-type-options': 'nosniff' } })
      : null;
  };
  app.get('/', () => send('index.html') ?? new Response('the web UI is missing (server/ui/index.html)', { status: 500 }));
  app.get(
    '/ui/:file',
    (c) => send(c.req.param('file')) ?? c.json({ error: 'NotFoundError', message: `no UI file ${c.req.param('file')}`, fault: 'user' }, 404),
  );
}
