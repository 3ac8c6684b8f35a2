import { spawnSync } from 'node:child_process';

/** Runs the real `sia` CLI in a child process. */
export function sia(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
  const result = spawnSync('node', ['bin/sia.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
