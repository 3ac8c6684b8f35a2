#!/usr/bin/env node
// The CLI built once into dist/ (npm ci runs `prepare`: bin/build.js) starts as plain JavaScript; when dist/ is
// missing or older than a source file, it runs from the sources through tsx's loader (Node 20 cannot strip types).
import { setFlagsFromString } from 'node:v8';
import { distIsFresh } from './dist-fresh.js';

// The loop allocates in bursts (rollouts, training steps) and V8 by default grows the heap to several times what
// stays live: a LawBench w+h run peaked at ~430 MB RSS with under 80 MB live. Growing it by a quarter at a time
// keeps that run near 250 MB at the same speed (bench/run-memory.ts). Only for the commands that run the loop or
// serve: on a short read command the extra collections are ~8 ms of its start (bench/cli-startup.ts). Any argument
// spelled like one of them turns it on; a false match only costs those milliseconds.
const LONG_RUNNING = new Set(['run', 'fork', 'replay', 'audit', 'bisect', 'serve']);
if (process.argv.slice(2).some((arg) => LONG_RUNNING.has(arg))) setFlagsFromString('--heap-growing-percent=25');

if (!process.env.SIA_NO_DIST && distIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  globalThis[Symbol.for('sia.typescript-loader')] = true;
  await import('../cli/main.ts');
}
