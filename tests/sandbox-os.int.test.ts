/**
 * The escape suite against the OS boundary: attempts that get past Node's permission model and the JS guards
 * (raw handles, /proc, signals, priorities, uids, disks, the control channel) are stopped by the namespaces and
 * limits around the child. It prints which isolation ran, and in CI it fails unless OS isolation is there.
 */
import { existsSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxLimits, SandboxResult } from '../core/ports/sandbox.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';

const sandbox = createChildProcessSandbox();
console.info(`[sandbox-os] isolation: ${sandbox.isolation}`);
const limits: SandboxLimits = { timeMsPerExample: 5000, memoryMb: 64, maxOutputBytes: 256 * 1024 };
const gateway = createOpenAIChatServer({ baseModel: 'policy' });
let gatewayServer: LocalServer;
let bystander: Server;
let bystanderPort = 0;
let connections = 0;
let outsideDir: string;

beforeAll(async () => {
  gatewayServer = await startLocalServer(gateway.app);
  bystander = createServer((socket) => socket.end('leaked'));
  bystander.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
  bystanderPort = (bystander.address() as { port: number }).port;
  outsideDir = mkdtempSync(join(tmpdir(), 'sia-os-escape-'));
  writeFileSync(join(outsideDir, 'labels.json'), '{"e1":"secret"}');
});

afterAll(async () => {
  await gatewayServer.close();
  await new Promise((resolve) => bystander.close(resolve));
  rmSync(outsideDir, { recursive: true, force: true });
});

/** Runs one attempt per example: `attempts[name]` is the body of solve() (fs, net, os and worker in scope). */
async function attempt(attempts: Record<string, string>): Promise<Record<string, SandboxResult>> {
  const imports = `import fs from 'node:fs'; import net from 'node:net'; import os from 'node:os'; import { Worker } from 'node:worker_threads';`;
  const cases = Object.entries(attempts)
    .map(([name, code]) => `case ${JSON.stringify(name)}: { ${code} }`)
    .join('\n');
  const scaffold = {
    entry: 'solve.mjs',
    files: { 'solve.mjs': `${imports}\nexport async function solve(example, ctx) {\nswitch (example.input) {\n${cases}\n}\n}` },
  };
  const examples = Object.keys(attempts).map((name, index) => ({ id: `e${index}`, input: name }));
  const results = await sandbox.run({ runId: 'run-os', scaffold, examples, gatewayUrl: `${gatewayServer.url}/v1`, limits, seed: 1 });
  return Object.fromEntries(Object.keys(attempts).map((name, index) => [name, results[index] as SandboxResult]));
}

const outcome = (result: SandboxResult) => result.error?.kind ?? JSON.stringify(result.output);

describe('the OS boundary around scaffolds', () => {
  it('runs under OS isolation (required in CI)', () => {
    if (process.env.CI) expect(['bwrap', 'unshare']).toContain(sandbox.isolation);
    expect(['bwrap', 'unshare', 'none']).toContain(sandbox.isolation);
  });

  it('keeps raw sockets, listeners, /proc, signals, priorities and uids inside', async () => {
    const before = getPriority(process.pid);
    const results = await attempt({
      rawTcp: `const { TCP, TCPConnectWrap, constants } = process.binding('tcp_wrap'); const handle = new TCP(constants.SOCKET);
        return await new Promise((resolve) => { const req = new TCPConnectWrap(); req.oncomplete = (status) => resolve('status ' + status); const err = handle.connect(req, '127.0.0.1', ${bystanderPort}); if (err) resolve('error ' + err); });`,
      listen: `return await new Promise((resolve, reject) => net.createServer().listen(${bystanderPort + 1}, '127.0.0.1', () => resolve('listening')).on('error', reject));`,
      procParent: `return fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8');`,
      procOne: `return fs.readFileSync('/proc/1/cmdline', 'utf8');`,
      killParent: `process.kill(process.ppid, 'SIGKILL'); return 'sent';`,
      renice: `os.setPriority(process.ppid, 19); os.setPriority(1, 19); return 'reniced';`,
      setuid: `process.setuid(0); return 'root';`,
      worker: `new Worker('export {}', { eval: true }); return 'worker';`,
      wasm: `new WebAssembly.Memory({ initial: 1 }); return 'wasm memory';`,
    });
    expect(connections).toBe(0);
    // Nothing the scaffold did reached this process: it is alive, and its priority is what it was.
    expect(getPriority(process.pid)).toBe(before);
    for (const name of ['rawTcp', 'procParent', 'procOne', 'killParent', 'setuid', 'worker', 'wasm']) {
      expect(outcome(results[name]), name).not.toMatch(/^"(status 0|sent|root|worker|wasm memory)"$/);
    }
    expect(outcome(results.procParent)).toBe('escape');
    const host = await new Promise<string>((resolve) => {
      const socket = new Socket();
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error')).connect(bystanderPort + 1, '127.0.0.1', () => resolve('connected'));
    });
    expect(host).not.toBe('connected');
  });

  it('bounds the disk a scaffold can fill, and hides every host path outside its binds', async () => {
    const free = statfsSync(tmpdir()).bavail;
    const results = await attempt({
      fill: `const chunk = Buffer.alloc(8 << 20, 1); let written = 0; try { for (let i = 0; i < 64; i++) { fs.appendFileSync(ctx.scratchDir + '/fill', chunk); written += 8; } } catch (error) { return 'stopped at ' + written + ' MiB: ' + error.code; } return 'wrote ' + written + ' MiB';`,
      probeExisting: `try { await import(${JSON.stringify(join(outsideDir, 'labels.json'))}); return 'loaded'; } catch (error) { return error.code; }`,
      probeMissing: `try { await import(${JSON.stringify(join(outsideDir, 'missing.json'))}); return 'loaded'; } catch (error) { return error.code; }`,
    });
    expect(outcome(results.fill)).toMatch(/^"stopped at \d+ MiB: (ENOSPC|EFBIG|ERR_FS_FILE_TOO_LARGE)"$/);
    expect(statfsSync(tmpdir()).bavail).toBeGreaterThan(free - 64 * 256);
    // Module resolution tells nothing about host files: an existing one and a missing one fail alike.
    expect(outcome(results.probeExisting)).toBe(outcome(results.probeMissing));
    expect(existsSync(join(outsideDir, 'labels.json'))).toBe(true);
  });

  it('fails the example, never the parent, on garbage, huge or deeply nested control messages; the next example runs', async () => {
    const results = await attempt({
      deep: `fs.writeSync(3, '['.repeat(200000) + ']'.repeat(200000) + '\\n'); await new Promise((resolve) => setTimeout(resolve, 1000)); return 'ignored';`,
      huge: `fs.writeSync(3, '{"type":"log","exampleId":"e1","message":"'); const mib = 'x'.repeat(1 << 20); for (let i = 0; i < 8; i++) fs.writeSync(3, mib); await new Promise((resolve) => setTimeout(resolve, 1000)); return 'ignored';`,
      garbage: `fs.writeSync(3, '\\u0000\\u0001{{{\\n'); await new Promise((resolve) => setTimeout(resolve, 1000)); return 'ignored';`,
      fine: `return 'still working';`,
    });
    expect(Object.fromEntries(Object.entries(results).map(([name, result]) => [name, outcome(result)]))).toEqual({
      deep: 'output',
      huge: 'output',
      garbage: 'escape',
      fine: '"still working"',
    });
  });

  it('caps the model calls of one example and refuses the rest without recording them', async () => {
    const before = gateway.requests.length;
    const results = await attempt({
      flood: `let refused = 0; for (let i = 0; i < 300; i++) { try { await ctx.llm.chat({ messages: [{ role: 'user', content: 'q' + i }], guidedChoice: ['A', 'B'] }); } catch { refused++; } } return refused;`,
      big: `try { await ctx.llm.chat({ messages: [{ role: 'user', content: 'x'.repeat(300 * 1024) }] }); return 'sent'; } catch (error) { return error.message; }`,
    });
    expect(outcome(results.flood)).toBe('44');
    expect(outcome(results.big)).toMatch(/over the 262144-byte limit per call/);
    expect(gateway.requests.length - before).toBe(256);
  });
});
