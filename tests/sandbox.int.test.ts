import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opaqueId, opaqueSeed } from '../core/opaque.ts';
import type { SandboxLimits, SandboxResult, SandboxRunInput } from '../core/ports/sandbox.ts';
import type { ExampleView, ScaffoldFiles } from '../core/ports/task.ts';
import { createChildProcessSandbox } from '../plugins/sandbox/child-process.ts';
import { type LocalServer, startLocalServer } from './support/local-server.ts';
import { createOpenAIChatServer } from './support/openai-chat-server.ts';

const limits: SandboxLimits = { timeMsPerExample: 2000, memoryMb: 64, maxOutputBytes: 64 * 1024 };
const gateway = createOpenAIChatServer({ baseModel: 'policy' });
let gatewayServer: LocalServer;
/** Another loopback server the scaffold must not reach; counts the connections it got. */
let bystander: Server;
let bystanderPort = 0;
let bystanderConnections = 0;
let outsideDir: string;
const sandbox = createChildProcessSandbox();

beforeAll(async () => {
  gatewayServer = await startLocalServer(gateway.app);
  bystander = createServer((_request, response) => response.end('leaked'));
  bystander.on('connection', () => (bystanderConnections += 1));
  await new Promise<void>((resolve) => bystander.listen(0, '127.0.0.1', resolve));
  bystanderPort = (bystander.address() as { port: number }).port;
  outsideDir = mkdtempSync(join(tmpdir(), 'sia-sandbox-test-'));
  writeFileSync(join(outsideDir, 'labels.json'), '{"e1":"secret label"}');
  process.env.ANTHROPIC_API_KEY = 'sk-ant-fake-for-sandbox-test';
});

afterAll(async () => {
  await gatewayServer.close();
  await new Promise((resolve) => bystander.close(resolve));
  rmSync(outsideDir, { recursive: true, force: true });
  delete process.env.ANTHROPIC_API_KEY;
});

/** A one-file scaffold whose solve runs `body` (with `fs`, `net`, `cp`, `dgram` and `dns` in scope). */
function scaffoldOf(body: string, topLevel = ''): ScaffoldFiles {
  const imports = `import fs from 'node:fs'; import net from 'node:net'; import cp from 'node:child_process'; import dgram from 'node:dgram'; import dns from 'node:dns';`;
  return { entry: 'solve.mjs', files: { 'solve.mjs': `${imports}\n${topLevel}\nexport async function solve(example, ctx) {\n${body}\n}` } };
}

function runInput(scaffold: ScaffoldFiles, examples: ExampleView[], overrides: Partial<SandboxRunInput> = {}): SandboxRunInput {
  return { runId: 'run-1', scaffold, examples, gatewayUrl: `${gatewayServer.url}/v1`, limits, seed: 7, key: 'test-key', ...overrides };
}

const examplesOf = (...inputs: unknown[]): ExampleView[] => inputs.map((input, index) => ({ id: `e${index}`, input }));
const kinds = (results: SandboxResult[]) => results.map((result) => result.error?.kind ?? 'ok');

describe('child-process sandbox: a well-behaved scaffold', () => {
  it('solves every example in order, reaching the gateway with the run and example headers', async () => {
    const scaffold = scaffoldOf(`
      const answer = await ctx.llm.chat({ messages: [{ role: 'user', content: 'pick for ' + example.input }], guidedChoice: ['A', 'B'], temperature: 0 });
      ctx.log('chose ' + answer.content);
      fs.writeFileSync(ctx.scratchDir + '/' + example.id + '.txt', answer.content);
      return { choice: answer.content, logprobs: answer.logprobs, seed: ctx.seed, echoed: fs.readFileSync(ctx.scratchDir + '/' + example.id + '.txt', 'utf8') };`);
    const seen: string[] = [];
    const before = gateway.requests.length;
    const results = await sandbox.run(runInput(scaffold, examplesOf('x', 'y', 'z')), (result) => seen.push(result.exampleId));

    expect(kinds(results)).toEqual(['ok', 'ok', 'ok']);
    expect(seen).toEqual(['e0', 'e1', 'e2']);
    const requests = gateway.requests.slice(before);
    expect(requests.map((request) => request.headers['x-sia-example-id'])).toEqual(['e0', 'e1', 'e2']);
    expect(new Set(requests.map((request) => request.headers['x-sia-run-id']))).toEqual(new Set(['run-1']));
    expect(requests[0]!.body).toMatchObject({ model: 'policy', guided_choice: ['A', 'B'], temperature: 0, logprobs: true });
    for (const result of results) {
      const output = result.output as { choice: string; logprobs: number[]; seed: number; echoed: string };
      expect(['A', 'B']).toContain(output.choice);
      expect(output.echoed).toBe(output.choice);
      expect(output.seed).toBe(opaqueSeed('test-key', 7));
      expect(output.logprobs.length).toBeGreaterThan(0);
      expect(result.logs).toEqual([`chose ${output.choice}`]);
    }
  });

  it('sees opaque ids and seed keyed by the experiment key: no split, purpose or canary shows; results and model calls carry the real ids', async () => {
    const scaffold = scaffoldOf(
      `await ctx.llm.chat({ messages: [{ role: 'user', content: 'hi' }], guidedChoice: ['A'] }); return { id: example.id, seed: ctx.seed };`,
    );
    const examples = [
      { id: 'lawbench-holdout-3', input: 1 },
      { id: 'lawbench-canary-0-1', input: 2 },
    ];
    const before = gateway.requests.length;
    const results = await sandbox.run(runInput(scaffold, examples, { key: 'key-a' }));
    expect(results.map((result) => result.exampleId)).toEqual(['lawbench-holdout-3', 'lawbench-canary-0-1']);
    expect(gateway.requests.slice(before).map((request) => request.headers['x-sia-example-id'])).toEqual(['lawbench-holdout-3', 'lawbench-canary-0-1']);
    const seen = results.map((result) => result.output as { id: string; seed: number });
    expect(seen.map((output) => output.id)).toEqual([opaqueId('key-a', 'lawbench-holdout-3'), opaqueId('key-a', 'lawbench-canary-0-1')]);
    for (const output of seen) expect(output.id).toMatch(/^item-[0-9a-f]{16}$/);
    expect(seen[0]!.seed).toBe(opaqueSeed('key-a', 7));
    expect(seen[0]!.seed).not.toBe(7);
    // Another experiment's key gives other ids, so nothing links items across experiments either.
    const other = await sandbox.run(runInput(scaffold, examples.slice(0, 1), { key: 'key-b' }));
    expect((other[0]!.output as { id: string }).id).not.toBe(seen[0]!.id);
  });

  it('timers a solve leaves behind cannot reach the next example: that child is recycled', async () => {
    // Example 0 leaves a timer that would spin forever once it fires; example 1 waits past that moment.
    const scaffold = scaffoldOf(`
      if (example.input === 'plant') { setTimeout(() => { for (;;) {} }, 200); return 'planted'; }
      await new Promise((resolve) => setTimeout(resolve, 600));
      return 'done';`);
    const results = await sandbox.run(runInput(scaffold, examplesOf('plant', 'wait'), { limits: { ...limits, timeMsPerExample: 3000 } }));
    expect(kinds(results)).toEqual(['ok', 'ok']);
    expect(results.map((result) => result.output)).toEqual(['planted', 'done']);
  });

  it('answers a malformed chat request with an error naming the field, without calling the gateway', async () => {
    const before = gateway.requests.length;
    const scaffold = scaffoldOf(`try { await ctx.llm.chat({ messages: [{ role: 'robot', content: 'hi' }] }); } catch (error) { return error.message; }`);
    const results = await sandbox.run(runInput(scaffold, examplesOf(1)));
    expect(results[0]!.output).toEqual(expect.stringContaining('request.messages.0.role'));
    expect(gateway.requests.length).toBe(before);
  });

  it("gives the scaffold an environment without the parent's secrets", async () => {
    const results = await sandbox.run(runInput(scaffoldOf('return { env: { ...process.env } };'), examplesOf(1)));
    expect(process.env.ANTHROPIC_API_KEY).toBeTruthy();
    expect(results[0]!.output).toEqual({ env: {} });
  });

  it('splits examples across children when concurrency is above one, keeping results in order', async () => {
    const results = await createChildProcessSandbox({ concurrency: 2 }).run(
      runInput(scaffoldOf('globalThis.child ??= Math.random();\nreturn { doubled: example.input * 2, child: globalThis.child };'), examplesOf(1, 2, 3, 4)),
    );
    expect(results.map((result) => (result.output as { doubled: number }).doubled)).toEqual([2, 4, 6, 8]);
    expect(new Set(results.map((result) => (result.output as { child: number }).child)).size).toBe(2);
  });
});

describe('child-process sandbox: escape attempts are contained and reported', () => {
  it('reports each attempt as an escape and none of them has an effect', async () => {
    const forbiddenFile = join(outsideDir, 'written-by-scaffold.txt');
    const attempts: Record<string, string> = {
      writeOutside: `fs.writeFileSync(${JSON.stringify(forbiddenFile)}, 'x');`,
      writeScaffoldDir: `fs.writeFileSync(new URL('./patched.mjs', import.meta.url), 'x');`,
      readLabels: `return fs.readFileSync(${JSON.stringify(join(outsideDir, 'labels.json'))}, 'utf8');`,
      spawn: `return cp.execSync('echo escaped').toString();`,
      socket: `await new Promise((resolve, reject) => net.connect(${bystanderPort}, '127.0.0.1', resolve).on('error', reject));`,
      fetch: `return await (await fetch('http://127.0.0.1:${bystanderPort}/')).text();`,
      fetchCaught: `try { await fetch('http://127.0.0.1:${bystanderPort}/'); } catch { return 'swallowed'; }`,
      udp: `dgram.createSocket('udp4').send('x', ${bystanderPort}, '127.0.0.1');`,
      dns: `return await dns.promises.resolve4('example.com');`,
      killParent: `process.kill(process.ppid, 'SIGTERM');`,
      // Raw bytes on the control fd: with Node's IPC channel this threw inside the parent.
      controlChannel: `fs.writeSync(3, 'not json\\n'); await new Promise((resolve) => setTimeout(resolve, 500));`,
      unixSocket: `const Pipe = process.stdout._handle.constructor; new Pipe(0).bind(${JSON.stringify(join(outsideDir, 'evil.sock'))});`,
    };
    const results = await sandbox.run(
      runInput(
        scaffoldOf(
          `switch (example.input) {\n${Object.entries(attempts)
            .map(([name, code]) => `case '${name}': { ${code} break; }`)
            .join('\n')}\n}\nreturn 'not blocked';`,
        ),
        examplesOf(...Object.keys(attempts)),
      ),
    );

    expect(Object.fromEntries(results.map((result, index) => [Object.keys(attempts)[index], result.error?.kind ?? 'ok']))).toEqual(
      Object.fromEntries(Object.keys(attempts).map((name) => [name, 'escape'])),
    );
    expect(results[0]!.error!.message).toContain('FileSystemWrite');
    expect(results[2]!.error!.message).toContain('FileSystemRead');
    expect(existsSync(forbiddenFile)).toBe(false);
    expect(readdirSync(outsideDir)).toEqual(['labels.json']);
    expect(bystanderConnections).toBe(0);
  });

  it('fails every example the same way when the scaffold escapes while loading', async () => {
    const scaffold = scaffoldOf('return 1;', `fs.writeFileSync(${JSON.stringify(join(outsideDir, 'top-level.txt'))}, 'x');`);
    const results = await sandbox.run(runInput(scaffold, examplesOf(1, 2)));
    expect(kinds(results)).toEqual(['escape', 'escape']);
    expect(existsSync(join(outsideDir, 'top-level.txt'))).toBe(false);
  });

  it('refuses scaffold file names that leave the scaffold dir', async () => {
    const scaffold = { entry: 'solve.mjs', files: { 'solve.mjs': 'export const solve = () => 1;', '../../outside.mjs': 'x' } };
    const results = await sandbox.run(runInput(scaffold, examplesOf(1)));
    expect(results[0]!.error).toMatchObject({ kind: 'escape', message: expect.stringContaining('../../outside.mjs') });
  });
});

describe('child-process sandbox: misbehaviour costs one example, and the run goes on', () => {
  it('times out an infinite loop, then solves the later examples in a fresh child', async () => {
    const scaffold = scaffoldOf(
      `globalThis.child ??= Math.random();\nif (example.input === 'hang') for (;;) {}\nreturn { value: example.input, child: globalThis.child };`,
    );
    const results = await sandbox.run(runInput(scaffold, examplesOf('a', 'hang', 'b'), { limits: { ...limits, timeMsPerExample: 1000 } }));
    expect(kinds(results)).toEqual(['ok', 'timeout', 'ok']);
    expect(results[1]!.wallMs).toBeGreaterThanOrEqual(990);
    const [first, , last] = results.map((result) => result.output as { value: string; child: number } | null);
    expect(last!.value).toBe('b');
    expect(last!.child).not.toBe(first!.child);
  });

  it('stops 1 GB allocations on and off the heap as memory errors', async () => {
    const scaffold = scaffoldOf(`
      if (example.input === 'buffer') return Buffer.alloc(2 ** 30).length;
      if (example.input === 'heap') { const chunks = []; for (let i = 0; i < 128; i++) chunks.push(new Array(1_000_000).fill(i)); return chunks.length; }
      return 'fine';`);
    const results = await sandbox.run(runInput(scaffold, examplesOf('buffer', 'heap', 'after'), { limits: { ...limits, timeMsPerExample: 5000 } }));
    expect(kinds(results)).toEqual(['memory', 'memory', 'ok']);
  });

  it('kills a scaffold that floods stdout or the log', async () => {
    const scaffold = scaffoldOf(`
      if (example.input === 'stdout') for (;;) process.stdout.write('x'.repeat(4096));
      if (example.input === 'log') for (let i = 0; ; i++) { ctx.log('line ' + i); await null; }
      console.log('a little output is fine');
      return 'quiet';`);
    const results = await sandbox.run(runInput(scaffold, examplesOf('stdout', 'log', 'quiet')));
    expect(kinds(results)).toEqual(['output', 'output', 'ok']);
    expect(results[2]!.logs).toEqual(['a little output is fine']);
  });

  it('reports throws, unserialisable outputs, stray async errors and process.exit with their kinds', async () => {
    const scaffold = scaffoldOf(`
      if (example.input === 'throw') throw new Error('scaffold bug');
      if (example.input === 'bigint') return 10n;
      if (example.input === 'stray') { setTimeout(() => { throw new Error('late bug'); }, 0); await new Promise(() => {}); }
      if (example.input === 'exit') process.exit(3);
      return 'fine';`);
    const results = await sandbox.run(runInput(scaffold, examplesOf('throw', 'bigint', 'stray', 'exit', 'after')));
    expect(kinds(results)).toEqual(['throw', 'throw', 'throw', 'exit', 'ok']);
    expect(results[0]!.error!.message).toContain('scaffold bug');
    expect(results[1]!.error!.message).toContain('not JSON-serialisable');
    expect(results[2]!.error!.message).toContain('late bug');
    expect(results[3]!.error!.message).toContain('code 3');
  });

  it('fails every example with a clear message when the entry exports no solve', async () => {
    const results = await sandbox.run(runInput({ entry: 'main.js', files: { 'main.js': 'export const answer = 42;' } }, examplesOf(1, 2)));
    expect(kinds(results)).toEqual(['throw', 'throw']);
    expect(results[0]!.error!.message).toContain('does not export a solve');
  });
});
