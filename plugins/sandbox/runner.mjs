// The sandbox child: installs the guards, imports the scaffold, then solves one example per 'solve' message.
// It starts under Node's permission model (read: the scaffold dir, the scratch dir and these two files;
// write: the scratch dir only) with an empty environment. Protocol (JSON lines on stdin and fd 3): protocol.ts.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { BLOCKED_CODE, installGuards } from './guards.mjs';

const config = JSON.parse(process.argv[2]);
const exitProcess = process.exit.bind(process);
const FATAL_EXIT_CODE = 70;
// Same values as OUTPUT_FLOOD_EXIT_CODE and CONTROL_FD in protocol.ts.
const OUTPUT_FLOOD_EXIT_CODE = 71;
const CONTROL_FD = 3;
// Opened before the guards, which block opening new pipe handles.
const input = process.stdin;
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Synchronous, so a message is out before a following exit; fd 3 may be non-blocking, hence the EAGAIN wait. */
function send(message) {
  const bytes = Buffer.from(`${JSON.stringify(message)}\n`);
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(CONTROL_FD, bytes, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** The example being solved (null while loading); an escape attempt is remembered even if the scaffold catches it. */
let current = { exampleId: null, escape: null, logBytes: 0 };
installGuards((what) => {
  current.escape ??= `blocked ${what}`;
});

function classify(error) {
  try {
    const code = error?.code ?? error?.cause?.code;
    const kind =
      code === 'ERR_ACCESS_DENIED' || code === 'ERR_DLOPEN_DISABLED' || code === BLOCKED_CODE
        ? 'escape'
        : error instanceof RangeError && /allocation failed/i.test(error.message)
          ? 'memory'
          : 'throw';
    const what = [error?.permission, error?.resource].filter(Boolean).join(' ');
    const denied = code === 'ERR_ACCESS_DENIED' ? `permission denied${what ? ` (${what})` : ''}: ` : '';
    const text = error instanceof Error ? String(error.stack ?? `${error.name}: ${error.message}`) : `non-Error value thrown: ${String(error)}`;
    return { kind, message: `${denied}${text}`.slice(0, 4000) };
  } catch {
    return { kind: 'throw', message: 'solve threw a value that cannot be inspected' };
  }
}

function log(exampleId, args) {
  let message;
  try {
    message = format(...args);
  } catch {
    message = '[unformattable log message]';
  }
  // A log loop that never yields would queue IPC writes until the child runs out of memory, so the budget is
  // enforced here, synchronously, by exiting (the parent maps this exit code to an output error).
  current.logBytes += Buffer.byteLength(message);
  if (current.logBytes > config.maxOutputBytes) exitProcess(OUTPUT_FLOOD_EXIT_CODE);
  send({ type: 'log', exampleId: exampleId ?? '', message });
}

for (const method of ['log', 'info', 'warn', 'error', 'debug']) console[method] = (...args) => log(current.exampleId, args);

function fatal(error) {
  const { kind, message } = classify(error);
  send({ type: 'fatal', kind: current.escape ? 'escape' : kind, message: current.escape ?? message });
  exitProcess(FATAL_EXIT_CODE);
}
process.on('uncaughtException', fatal);
// The parent went away (it crashed or was killed): nobody will ever read a result.
input.on('end', () => exitProcess(0));
process.on('unhandledRejection', fatal);

let nextCallId = 0;
const pendingChats = new Map();

function chat(exampleId, request) {
  let payload;
  try {
    payload = JSON.parse(JSON.stringify(request));
  } catch (error) {
    return Promise.reject(new TypeError(`ctx.llm.chat: the request is not JSON-serialisable (${error.message})`));
  }
  const callId = nextCallId++;
  return new Promise((resolve, reject) => {
    pendingChats.set(callId, { resolve, reject });
    send({ type: 'chat', callId, exampleId, request: payload });
  });
}

function contextFor(exampleId) {
  return Object.freeze({
    llm: Object.freeze({ chat: (request) => chat(exampleId, request) }),
    log: (message) => log(exampleId, [String(message)]),
    scratchDir: config.scratchDir,
    seed: config.seed,
  });
}

function mib(bytes) {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MiB`;
  return bytes >= 1024 ? `${Number((bytes / 1024).toFixed(1))} KiB` : `${bytes} bytes`;
}

function serialise(output) {
  let json;
  try {
    json = JSON.stringify(output === undefined ? null : output);
  } catch (error) {
    return { failure: `solve returned a value that is not JSON-serialisable: ${error.message}` };
  }
  if (json === undefined) return { failure: `solve returned a ${typeof output}, which is not JSON-serialisable` };
  const bytes = Buffer.byteLength(json);
  // Same wording as core/sandbox-limits.ts overOutputLimitMessage (this file runs alone in the child's run dir).
  if (bytes > config.maxOutputJsonBytes)
    return { kind: 'output', failure: `output ${mib(bytes)} exceeds the task's limit of ${mib(config.maxOutputJsonBytes)}` };
  return { json };
}

async function solveOne(solve, example) {
  current = { exampleId: example.id, escape: null, logBytes: 0 };
  let outcome;
  try {
    const output = await solve(example, contextFor(example.id));
    const { json, failure, kind } = serialise(output);
    outcome = failure ? { kind: kind ?? 'throw', message: failure } : { output: JSON.parse(json) };
  } catch (error) {
    outcome = classify(error);
  }
  if (current.escape) outcome = { kind: 'escape', message: current.escape };
  if ('output' in outcome) send({ type: 'result', exampleId: example.id, output: outcome.output, stale: pendingTimers() > timersAfterLoad });
  else send({ type: 'failure', exampleId: example.id, kind: outcome.kind, message: outcome.message });
}

// Captured before the scaffold loads, so it cannot be replaced: counts the timers and immediates still pending.
const activeResources = process.getActiveResourcesInfo.bind(process);
const pendingTimers = () => activeResources().filter((name) => name === 'Timeout' || name === 'Immediate').length;
let timersAfterLoad = 0;

let solve;
try {
  const module = await import(pathToFileURL(join(config.scaffoldDir, config.entry)).href);
  solve = module.solve;
  if (typeof solve !== 'function') throw new TypeError(`scaffold entry ${config.entry} does not export a solve(example, ctx) function`);
  if (current.escape) throw Object.assign(new Error(current.escape), { code: BLOCKED_CODE });
  timersAfterLoad = pendingTimers();
} catch (error) {
  const { kind, message } = classify(error);
  send({ type: 'load_error', kind, message });
  exitProcess(FATAL_EXIT_CODE);
}

function onParentMessage(message) {
  if (message.type === 'solve') void solveOne(solve, message.example);
  if (message.type === 'chat_result') {
    const pending = pendingChats.get(message.callId);
    pendingChats.delete(message.callId);
    if (message.ok) pending?.resolve(message.value);
    else pending?.reject(new Error(`ctx.llm.chat failed: ${message.message}`));
  }
}

let received = '';
input.setEncoding('utf8');
input.on('data', (chunk) => {
  received += chunk;
  for (let newline = received.indexOf('\n'); newline >= 0; newline = received.indexOf('\n')) {
    const line = received.slice(0, newline);
    received = received.slice(newline + 1);
    onParentMessage(JSON.parse(line));
  }
});
send({ type: 'ready' });
