/**
 * One sandbox child process: spawns runner.mjs under the permission model, feeds it one example at a time and
 * turns whatever happens (a result, a throw, a hang, a flood, a crash) into a settlement. A session that was
 * killed or exited is dead; the caller starts a fresh one for the remaining examples.
 */
import type { ChildProcess } from 'node:child_process';
import type { SandboxErrorKind, SandboxLimits } from '../../core/ports/sandbox.ts';
import type { ExampleView } from '../../core/ports/task.ts';
import { overOutputLimitMessage } from '../../core/sandbox-limits.ts';
import { type DirectGatewayCall, postChatToGateway } from './gateway-client.ts';
import type { IsolationMode } from './isolation.ts';
import { nestsDeeperThan } from './json-shape.ts';
import { type ChildMessage, ChildMessageSchema, CONTROL_FD, OUTPUT_FLOOD_EXIT_CODE, type ParentMessage, type RunnerConfig } from './protocol.ts';
import { spawnRunner } from './spawn-runner.ts';

export interface SessionSpec {
  runId: string;
  isolation: IsolationMode;
  gatewayUrl: string;
  gatewayCall?: DirectGatewayCall;
  runnerPath: string;
  guardsPath: string;
  runner: RunnerConfig;
  limits: SandboxLimits;
  startupTimeoutMs: number;
  /** Extra MiB above the heap for the data-segment rlimit (off-heap buffers); null leaves it unset. */
  dataHeadroomMb: number | null;
  maxLogEntries: number;
  maxLogChars: number;
  /** Longest line the parent buffers from the child's control channel. */
  maxControlLineBytes: number;
  /** Model calls one example may make: how many, bytes of one call's messages, bytes of all its calls. */
  chatLimits: ChatLimits;
}

export interface ChatLimits {
  calls: number;
  requestBytes: number;
  totalBytes: number;
}

/** Nesting a control message may have: ours are a few levels deep, outputs a few more. */
const MAX_CONTROL_DEPTH = 64;

export type Settlement = { ok: true; output: unknown } | { ok: false; kind: SandboxErrorKind; message: string };

export interface SolveOutcome {
  settlement: Settlement;
  logs: string[];
}

interface InFlight {
  /** null while the scaffold is loading. */
  exampleId: string | null;
  /** The opaque id the child knows the example by (what its messages carry). */
  wireId: string | null;
  settle: (settlement: Settlement) => void;
  chats: Set<AbortController>;
  /** Model calls made so far for this example, and their bytes. */
  chatCalls: number;
  chatBytes: number;
}

const HEAP_OOM = /heap out of memory|Reached heap limit|Fatal process out of memory|Allocation failed|std::bad_alloc/i;
/** Node prints a fatal error's reason first and a long native stack after it, so keep both ends of stderr. */
const STDERR_KEEP_CHARS = 2000;

export class ChildSession {
  private readonly child: ChildProcess;
  private inFlight: InFlight | null = null;
  private outputBytes = 0;
  private logs: string[] = [];
  private droppedLogs = 0;
  private controlBuffer = '';
  private stderrHead = '';
  private stderrTail = '';
  private dead = false;

  constructor(private readonly spec: SessionSpec) {
    this.child = spawnRunner(spec);
    this.child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk, 'stdout'));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (this.stderrHead.length < STDERR_KEEP_CHARS) this.stderrHead += text.slice(0, STDERR_KEEP_CHARS - this.stderrHead.length);
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_KEEP_CHARS);
      this.onOutput(chunk, 'stderr');
    });
    this.child.stdio[CONTROL_FD]?.on('data', (chunk: Buffer) => this.onControlData(chunk));
    // The child may close its stdin or die mid-write; 'close' reports that, so write errors are dropped.
    this.child.stdin?.on('error', () => undefined);
    this.child.on('error', (error) => {
      this.dead = true;
      this.finish({ ok: false, kind: 'exit', message: `sandbox child failed: ${error.message}` });
    });
    this.child.on('close', (code, signal) => {
      this.dead = true;
      this.finish(this.exitSettlement(code, signal));
    });
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Resolves once the scaffold is imported (ok) or failed to load. */
  load(): Promise<Settlement> {
    return this.await({ exampleId: null, wireId: null }, this.spec.startupTimeoutMs, `the scaffold did not load within ${this.spec.startupTimeoutMs} ms`);
  }

  /** Solves one example; the child sees it under `wireId` (an opaque id), the gateway records the real id. */
  async solve(example: ExampleView, wireId: string): Promise<SolveOutcome> {
    this.outputBytes = 0;
    this.logs = [];
    this.droppedLogs = 0;
    const limit = this.spec.limits.timeMsPerExample;
    const settled = this.await({ exampleId: example.id, wireId }, limit, `solve did not finish within ${limit} ms`);
    this.send({ type: 'solve', example: { ...example, id: wireId } });
    const settlement = await settled;
    const logs = this.droppedLogs > 0 ? [...this.logs, `[${this.droppedLogs} more log lines dropped]`] : [...this.logs];
    return { settlement, logs };
  }

  kill(): void {
    this.dead = true;
    this.child.kill('SIGKILL');
  }

  private await(ids: Pick<InFlight, 'exampleId' | 'wireId'>, timeoutMs: number, timeoutMessage: string): Promise<Settlement> {
    if (this.dead) return Promise.resolve(this.exitSettlement(this.child.exitCode, this.child.signalCode));
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.terminate({ ok: false, kind: 'timeout', message: timeoutMessage }), timeoutMs);
      this.inFlight = {
        ...ids,
        chats: new Set(),
        chatCalls: 0,
        chatBytes: 0,
        settle: (settlement) => {
          clearTimeout(timer);
          resolve(settlement);
        },
      };
    });
  }

  private finish(settlement: Settlement): void {
    const inFlight = this.inFlight;
    if (!inFlight) return;
    this.inFlight = null;
    for (const controller of inFlight.chats) controller.abort();
    inFlight.settle(settlement);
  }

  /** Settles what is in flight with the reason first, so the exit that follows the kill cannot overwrite it. */
  private terminate(settlement: Settlement & { ok: false }): void {
    this.finish(settlement);
    this.kill();
  }

  private exitSettlement(code: number | null, signal: NodeJS.Signals | null): Settlement {
    const stderr = `${this.stderrHead}${this.stderrTail}`;
    const fatalLine = /FATAL ERROR:[^\n]*/.exec(stderr)?.[0];
    if (HEAP_OOM.test(stderr)) {
      const reason = fatalLine ? `: ${fatalLine}` : '';
      return { ok: false, kind: 'memory', message: `the scaffold ran out of memory (heap limit ${this.spec.limits.memoryMb} MB)${reason}` };
    }
    if (code === OUTPUT_FLOOD_EXIT_CODE) {
      return { ok: false, kind: 'output', message: `the scaffold logged more than ${this.spec.limits.maxOutputBytes} bytes` };
    }
    const tail = this.stderrTail.trim() ? `; stderr: ${this.stderrTail.trim().slice(-500)}` : '';
    return { ok: false, kind: 'exit', message: `the scaffold process exited (code ${code}, signal ${signal})${tail}` };
  }

  private onOutput(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    // Output between examples counts against the next one but is kept in no example's logs.
    if (this.countOutput(chunk.length) && this.inFlight?.exampleId) this.keepLog(`[${stream}] ${chunk.toString('utf8').trimEnd()}`);
  }

  /** Counts bytes the scaffold emits (stdio and logs); false once it is over the cap and has been killed. */
  private countOutput(bytes: number): boolean {
    this.outputBytes += bytes;
    if (this.outputBytes <= this.spec.limits.maxOutputBytes) return true;
    this.terminate({ ok: false, kind: 'output', message: `the scaffold wrote more than ${this.spec.limits.maxOutputBytes} bytes of output` });
    return false;
  }

  private keepLog(message: string): void {
    if (this.logs.length >= this.spec.maxLogEntries) this.droppedLogs += 1;
    else this.logs.push(message.length > this.spec.maxLogChars ? `${message.slice(0, this.spec.maxLogChars)}…` : message);
  }

  /** Splits fd 3 into lines; a line too long or not JSON means the scaffold wrote into the control channel. */
  private onControlData(chunk: Buffer): void {
    this.controlBuffer += chunk.toString('utf8');
    for (let newline = this.controlBuffer.indexOf('\n'); newline >= 0 && !this.dead; newline = this.controlBuffer.indexOf('\n')) {
      const line = this.controlBuffer.slice(0, newline);
      this.controlBuffer = this.controlBuffer.slice(newline + 1);
      if (nestsDeeperThan(line, MAX_CONTROL_DEPTH)) {
        this.terminate({ ok: false, kind: 'output', message: `a message from the sandbox child nests deeper than ${MAX_CONTROL_DEPTH} levels` });
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        this.terminate({ ok: false, kind: 'escape', message: 'the scaffold wrote into the sandbox control channel (fd 3)' });
        return;
      }
      this.onMessage(message);
    }
    if (this.controlBuffer.length > this.spec.maxControlLineBytes) {
      this.terminate({ ok: false, kind: 'output', message: `a message from the sandbox child is over ${this.spec.maxControlLineBytes} bytes` });
    }
  }

  private onMessage(raw: unknown): void {
    const parsed = ChildMessageSchema.safeParse(raw);
    if (!parsed.success || this.dead) return;
    const message = parsed.data;
    const inFlight = this.inFlight;
    const isCurrent = (wireId: string | null) => inFlight !== null && inFlight.wireId === wireId;
    switch (message.type) {
      case 'ready':
        if (isCurrent(null)) this.finish({ ok: true, output: null });
        return;
      case 'load_error':
        if (isCurrent(null)) this.finish({ ok: false, kind: message.kind, message: message.message });
        return;
      case 'log':
        if (this.countOutput(Buffer.byteLength(message.message)) && isCurrent(message.exampleId)) this.keepLog(message.message);
        return;
      case 'chat':
        void this.relayChat(message, inFlight && isCurrent(message.exampleId) ? inFlight : null);
        return;
      case 'result':
        if (!isCurrent(message.exampleId)) return;
        this.finish(this.checkOutput(message.output));
        // Timers the scaffold left behind would run during the next example: that one gets a fresh child.
        if (message.stale) this.kill();
        return;
      case 'failure':
        if (isCurrent(message.exampleId)) this.finish({ ok: false, kind: message.kind, message: message.message });
        return;
      case 'fatal':
        this.terminate({ ok: false, kind: message.kind, message: `${message.message} (raised outside solve's promise)` });
        return;
    }
  }

  /** The runner already checks the cap; the parent checks again because the child is untrusted. */
  private checkOutput(output: unknown): Settlement {
    const bytes = Buffer.byteLength(JSON.stringify(output ?? null));
    if (bytes > this.spec.runner.maxOutputJsonBytes)
      return { ok: false, kind: 'output', message: overOutputLimitMessage(bytes, this.spec.runner.maxOutputJsonBytes) };
    return { ok: true, output: output ?? null };
  }

  private async relayChat(message: Extract<ChildMessage, { type: 'chat' }>, inFlight: InFlight | null): Promise<void> {
    if (!inFlight || inFlight.exampleId === null) {
      this.send({ type: 'chat_result', callId: message.callId, ok: false, message: `example ${message.exampleId} is not in flight` });
      return;
    }
    const refusal = this.overChatLimits(inFlight, Buffer.byteLength(JSON.stringify(message.request) ?? ''));
    if (refusal) {
      this.send({ type: 'chat_result', callId: message.callId, ok: false, message: refusal });
      return;
    }
    const controller = new AbortController();
    inFlight.chats.add(controller);
    try {
      const value = await postChatToGateway({
        gatewayUrl: this.spec.gatewayUrl,
        direct: this.spec.gatewayCall,
        runId: this.spec.runId,
        exampleId: inFlight.exampleId,
        request: message.request,
        signal: controller.signal,
      });
      this.send({ type: 'chat_result', callId: message.callId, ok: true, value });
    } catch (error) {
      this.send({ type: 'chat_result', callId: message.callId, ok: false, message: error instanceof Error ? error.message : String(error) });
    } finally {
      inFlight.chats.delete(controller);
    }
  }

  /** Counts the call against its example; a call over a limit is refused and never reaches the gateway or the log. */
  private overChatLimits(inFlight: InFlight, bytes: number): string | null {
    const { calls, requestBytes, totalBytes } = this.spec.chatLimits;
    if (bytes > requestBytes) return `model call refused: its request is ${bytes} bytes, over the ${requestBytes}-byte limit per call`;
    if (inFlight.chatCalls >= calls) return `model call refused: this example already made ${calls} calls, the limit`;
    if (inFlight.chatBytes + bytes > totalBytes) return `model call refused: this example's calls would pass ${totalBytes} bytes, the limit`;
    inFlight.chatCalls += 1;
    inFlight.chatBytes += bytes;
    return null;
  }

  private send(message: ParentMessage): void {
    if (!this.dead) this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }
}
