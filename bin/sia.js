#!/usr/bin/env node
// The CLI built once into dist/ (npm ci runs `prepare`: bin/build.js) starts as plain JavaScript; when dist/ is
// missing or older than a source file, it runs from the sources through tsx's loader (Node 20 cannot strip types).
import { distIsFresh } from './dist-fresh.js';

if (!process.env.SIA_NO_DIST && distIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  globalThis[Symbol.for('sia.typescript-loader')] = true;
  await import('../cli/main.ts');
}
