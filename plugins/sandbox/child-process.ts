/**
 * The default Sandbox: each run lays the scaffold out in a fresh run folder and solves the examples in child
 * processes (runner.mjs) inside the OS boundary of isolation.ts (bubblewrap namespaces, resource limits), with
 * Node's permission model, a heap limit, a per-example wall time, an output cap and JS-level guards
 * (guards.mjs) as second layers. Any misbehaviour becomes an error result for that example and the run goes on
 * with a fresh child; every example gets a result, in order.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '../../core/errors.ts';
import { opaqueId, opaqueSeed } from '../../core/opaque.ts';
import type { Sandbox, SandboxResult, SandboxRunInput } from '../../core/ports/sandbox.ts';
import type { ExampleView } from '../../core/ports/task.ts';
import { DEFAULT_MAX_OUTPUT_JSON_BYTES, MAX_OUTPUT_JSON_BYTES_CEILING } from '../../core/sandbox-limits.ts';
import { type ChatLimits, ChildSession, type SessionSpec, type Settlement } from './child-session.ts';
import type { DirectGatewayCall } from './gateway-client.ts';
import { type IsolationChoice, type IsolationMode, resolveIsolation } from './isolation.ts';
import { createRunDirs, unsafeScaffoldPath, writeScaffold } from './scaffold-dir.ts';

export interface ChildProcessSandboxOptions {
  /** Children solving the examples side by side (default 1); with more, onResult may come out of order. */
  concurrency?: number;
  /** Time for a child to start and import the scaffold (default 10 s). */
  startupTimeoutMs?: number;
  /** MiB above the heap limit allowed for off-heap data (default 256); null leaves the data rlimit unset. */
  dataHeadroomMb?: number | null;
  maxLogEntries?: number;
  maxLogChars?: number;
  /** Where run dirs are made (default os.tmpdir()). */
  tempRoot?: string;
  /** Model calls one example may make (default 256 calls, 256 KiB a request, 8 MiB in all). */
  chatLimits?: Partial<ChatLimits>;
  /** The OS boundary (isolation.ts): `auto` picks bubblewrap, else unshare, else refuses. Default auto. */
  isolation?: IsolationChoice;
  /**
   * How the parent reaches the gateway (default: HTTP to gatewayUrl). A loop running the gateway in this process
   * passes its completion function: the same OpenAI request bodies and recording, without HTTP per call.
   */
  gatewayCall?: DirectGatewayCall;
}

const runnerPath = fileURLToPath(new URL('./runner.mjs', import.meta.url));
const guardsPath = fileURLToPath(new URL('./guards.mjs', import.meta.url));

export function createChildProcessSandbox(options: ChildProcessSandboxOptions = {}): Sandbox {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValidationError('must be a positive integer', 'concurrency');
  const isolation = resolveIsolation(options.isolation ?? 'auto');
  return { isolation, run: (input, onResult) => runSandboxed(input, options, isolation, concurrency, onResult) };
}

function validateInput(input: SandboxRunInput): void {
  const { limits } = input;
  for (const field of ['timeMsPerExample', 'memoryMb', 'maxOutputBytes'] as const) {
    if (!Number.isFinite(limits[field]) || limits[field] <= 0) throw new ValidationError('must be a positive number', `limits.${field}`);
  }
  const json = limits.maxOutputJsonBytes;
  if (json !== undefined && (!Number.isInteger(json) || json <= 0 || json > MAX_OUTPUT_JSON_BYTES_CEILING)) {
    throw new ValidationError(`must be a positive integer up to ${MAX_OUTPUT_JSON_BYTES_CEILING}`, 'limits.maxOutputJsonBytes');
  }
  if (!/^https?:\/\//.test(input.gatewayUrl)) throw new ValidationError('must be an http(s) URL', 'gatewayUrl');
}

/** A scaffold that cannot run at all fails every example the same way, without starting a child. */
function preflightFailure(input: SandboxRunInput): Settlement | null {
  const unsafe = unsafeScaffoldPath(input.scaffold);
  if (unsafe !== null) return { ok: false, kind: 'escape', message: `scaffold file name ${JSON.stringify(unsafe)} leaves the scaffold dir` };
  if (!(input.scaffold.entry in input.scaffold.files)) {
    return { ok: false, kind: 'throw', message: `scaffold entry ${input.scaffold.entry} is not among its files` };
  }
  return null;
}

async function runSandboxed(
  input: SandboxRunInput,
  options: ChildProcessSandboxOptions,
  isolation: IsolationMode,
  concurrency: number,
  onResult?: (result: SandboxResult) => void,
): Promise<SandboxResult[]> {
  validateInput(input);
  const key = input.key ?? randomBytes(16).toString('hex');
  const results: SandboxResult[] = new Array(input.examples.length);
  // Set once the scaffold fails to load: loading is deterministic, so the other examples fail the same way.
  let loadFailure = preflightFailure(input);
  let next = 0;
  // The task's limit, from the run input: it can differ per evaluation (one sandbox serves several tasks).
  const maxOutputJsonBytes = input.limits.maxOutputJsonBytes ?? DEFAULT_MAX_OUTPUT_JSON_BYTES;
  const sessions = new Set<ChildSession>();
  const dirs = loadFailure ? null : createRunDirs(options.tempRoot, { runnerPath, guardsPath });
  if (dirs) writeScaffold(dirs.scaffoldDir, input.scaffold);
  const spec = (): SessionSpec => ({
    runId: input.runId,
    gatewayUrl: input.gatewayUrl,
    gatewayCall: options.gatewayCall,
    isolation,
    runnerPath: dirs!.runnerPath,
    guardsPath: dirs!.guardsPath,
    runner: {
      scaffoldDir: dirs!.scaffoldDir,
      entry: input.scaffold.entry,
      scratchDir: dirs!.scratchDir,
      seed: opaqueSeed(key, input.seed),
      maxOutputJsonBytes,
      maxOutputBytes: input.limits.maxOutputBytes,
    },
    limits: input.limits,
    startupTimeoutMs: options.startupTimeoutMs ?? 10_000,
    dataHeadroomMb: options.dataHeadroomMb === undefined ? 256 : options.dataHeadroomMb,
    maxLogEntries: options.maxLogEntries ?? 200,
    maxLogChars: options.maxLogChars ?? 2000,
    // Room for the biggest result plus a chat request with a long prompt.
    maxControlLineBytes: maxOutputJsonBytes + input.limits.maxOutputBytes + 4 * 1024 * 1024,
    chatLimits: { calls: 256, requestBytes: 256 * 1024, totalBytes: 8 * 1024 * 1024, ...options.chatLimits },
  });

  const record = (index: number, example: ExampleView, settlement: Settlement, logs: string[], wallMs: number) => {
    const result: SandboxResult = {
      exampleId: example.id,
      output: settlement.ok ? settlement.output : null,
      error: settlement.ok ? null : { kind: settlement.kind, message: settlement.message },
      logs,
      wallMs,
    };
    results[index] = result;
    onResult?.(result);
  };

  const lane = async () => {
    let session: ChildSession | null = null;
    while (next < input.examples.length) {
      const index = next++;
      const example = input.examples[index]!;
      const started = performance.now();
      if (!loadFailure && !session?.alive) {
        session = new ChildSession(spec());
        sessions.add(session);
        const loaded = await session.load();
        if (!loaded.ok) loadFailure ??= loaded;
      }
      if (loadFailure || !session) {
        record(index, example, loadFailure!, [], Math.round(performance.now() - started));
        continue;
      }
      const solveStarted = performance.now();
      const { settlement, logs } = await session.solve(example, opaqueId(key, example.id));
      record(index, example, settlement, logs, Math.round(performance.now() - solveStarted));
    }
    session?.kill();
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, input.examples.length) }, lane));
    return results;
  } finally {
    for (const session of sessions) session.kill();
    if (dirs) rmSync(dirs.root, { recursive: true, force: true });
  }
}
