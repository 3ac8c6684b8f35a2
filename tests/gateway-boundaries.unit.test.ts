import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((match) => match[1]!);

describe('module boundaries', () => {
  it('the loop reaches the gateway module, never the server, and opens no HTTP listener of its own', () => {
    const loopFiles = sources('loop');
    const offending = loopFiles.flatMap((file) =>
      importsOf(file)
        .filter((path) => /^(\.\.\/)+server\//.test(path) || path === '@hono/node-server')
        .map((path) => `${file}: ${path}`),
    );
    expect(offending).toEqual([]);
    expect(loopFiles.some((file) => importsOf(file).some((path) => path.includes('/gateway/')))).toBe(true);
  });

  it('the gateway module does not depend on the server or the loop', () => {
    const offending = sources('gateway').flatMap((file) =>
      importsOf(file)
        .filter((path) => /^\.\.\/(server|loop)\//.test(path))
        .map((path) => `${file}: ${path}`),
    );
    expect(offending).toEqual([]);
  });
});
