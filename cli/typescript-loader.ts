/** Set by bin/sia.js when it runs the CLI through tsx (sources newer than dist/, or no dist/ at all). */
const REGISTERED = Symbol.for('sia.typescript-loader');

/**
 * The built CLI (dist/) runs as plain JavaScript, but a command may import the user's own TypeScript (a task
 * folder, an algorithm file): those commands register tsx's loader first, once; read-only commands never pay for it.
 */
export async function ensureTypeScriptLoader(): Promise<void> {
  const flags = globalThis as { [REGISTERED]?: boolean };
  if (flags[REGISTERED]) return;
  const { register } = await import('tsx/esm/api');
  register();
  flags[REGISTERED] = true;
}
