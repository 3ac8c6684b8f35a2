/**
 * Keeps an API key out of everything a provider returns or throws: a server that quotes the request's headers in
 * an error, or echoes the key in a completion, must not put it into events, logs or the sandbox.
 */
export function redactSecret<T>(value: T, secret: string | null): T {
  if (!secret) return value;
  const scrub = (inner: unknown): unknown => {
    if (typeof inner === 'string') return inner.split(secret).join('[redacted]');
    if (Array.isArray(inner)) return inner.map(scrub);
    if (inner && typeof inner === 'object') return Object.fromEntries(Object.entries(inner).map(([key, item]) => [key, scrub(item)]));
    return inner;
  };
  return JSON.stringify(value)?.includes(secret) ? (scrub(value) as T) : value;
}

/** Runs provider work with the secret scrubbed from its result and from any error it throws (message and stack). */
export function secretGuard(secret: string | null) {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return redactSecret(await work(), secret);
    } catch (error) {
      if (secret && error instanceof Error) {
        error.message = redactSecret(error.message, secret);
        if (error.stack) error.stack = redactSecret(error.stack, secret);
        if (error.cause) error.cause = redactSecret(String(error.cause), secret);
      }
      throw error;
    }
  };
}
