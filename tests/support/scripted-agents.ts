import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { createOpenAIChatServer } from './openai-chat-server.ts';

/** Runs the real `sia` CLI without blocking this process (its model server lives here and must answer). */
export function siaAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/sia.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Serves the scripted model on loopback and writes a sia.config.json pointing `--agents openai` at it. */
export async function serveAgents(model: ReturnType<typeof createOpenAIChatServer>, directory: string, extra: Record<string, unknown> = {}) {
  const server = serve({ fetch: model.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const config = join(directory, 'sia.config.json');
  writeFileSync(
    config,
    JSON.stringify({ agents: 'openai', openaiAgents: { model: model.baseModel, baseURL: `http://127.0.0.1:${port}/v1`, apiKeyEnv: null, ...extra } }),
  );
  return { server, config };
}
