/**
 * One error tree for sia. Each class says who is at fault and carries a hint on what to do,
 * so the CLI and the HTTP API can render the same message and pick an exit code or status.
 */
export type Fault = 'user' | 'input' | 'plugin' | 'model' | 'sandbox' | 'system' | 'conflict' | 'integrity' | 'version';

export interface SiaErrorOptions {
  cause?: unknown;
  hint?: string;
}

export class SiaError extends Error {
  readonly fault: Fault = 'system';
  readonly status: number = 500;
  readonly hint?: string;

  constructor(message: string, options: SiaErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }

  toJSON(): { error: string; message: string; fault: Fault; hint?: string } {
    return { error: this.name, message: this.message, fault: this.fault, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** Bad input from a user, a config file, an HTTP body or task data. `field` names what was wrong. */
export class ValidationError extends SiaError {
  override readonly fault: Fault = 'input';
  override readonly status = 400;
  constructor(
    message: string,
    readonly field?: string,
    options?: SiaErrorOptions,
  ) {
    super(field ? `${field}: ${message}` : message, options);
  }

  override toJSON() {
    return { ...super.toJSON(), ...(this.field ? { field: this.field } : {}) };
  }
}

export class NotFoundError extends SiaError {
  override readonly fault: Fault = 'user';
  override readonly status = 404;
}

/** A command that does not fit the current state (for example resuming a finished experiment). */
export class IllegalStateError extends SiaError {
  override readonly fault: Fault = 'user';
  override readonly status = 409;
}

/** A port or similar resource another process holds (a second `sia serve` on the same port): pick another. */
export class ResourceBusyError extends SiaError {
  override readonly fault: Fault = 'user';
  override readonly status = 409;
}

/** Optimistic concurrency: the stream moved on since the writer read it. Retry after re-reading. */
export class ConcurrencyError extends SiaError {
  override readonly fault: Fault = 'conflict';
  override readonly status = 409;
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | string,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId}: expected version ${expectedVersion}, found ${actualVersion}`, {
      hint: 're-read the stream and decide again',
    });
  }
}

/** Stored bytes do not match their hash: the log, a blob or an adapter file was changed. */
export class IntegrityError extends SiaError {
  override readonly fault: Fault = 'integrity';
  override readonly status = 500;
  constructor(
    message: string,
    readonly position?: number,
    options?: SiaErrorOptions,
  ) {
    super(message, options);
  }
}

/** A file or database that is not a sia log (empty, another program's SQLite file): nothing to verify or read. */
export class NotASiaLogError extends IntegrityError {}

/** A log written by a newer sia (a newer migration or event schema version): refused, never read or written. */
export class VersionError extends SiaError {
  override readonly fault: Fault = 'version';
  override readonly status = 409;
}

/** The log's database cannot be reached or refused a statement (a server down, a wrong URL or password). */
export class StoreError extends SiaError {
  override readonly fault: Fault = 'system';
  override readonly status = 503;
}

/** A plugin (task, algorithm, provider, trainer) is missing something or broke its contract. */
export class PluginError extends SiaError {
  override readonly fault: Fault = 'plugin';
  constructor(
    readonly plugin: string,
    message: string,
    options?: SiaErrorOptions,
  ) {
    super(`[${plugin}] ${message}`, options);
  }
}

/** An LLM answered something we cannot use (malformed JSON, a decision that fails its schema). */
export class ModelBehaviorError extends SiaError {
  override readonly fault: Fault = 'model';
  override readonly status = 502;
}

/** Untrusted scaffold code misbehaved: threw, hung, flooded output or tried to escape. */
export class SandboxError extends SiaError {
  override readonly fault: Fault = 'sandbox';
  constructor(
    readonly kind: 'throw' | 'timeout' | 'memory' | 'output' | 'escape' | 'exit',
    message: string,
    options?: SiaErrorOptions,
  ) {
    super(message, options);
  }
}

export const isSiaError = (value: unknown): value is SiaError => value instanceof SiaError;
