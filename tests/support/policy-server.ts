/**
 * Starts gpu/'s policy server (`python -m sia_worker.serve --tiny-random`) as a real child process on loopback, and
 * makes LoRA adapters for its tiny model with peft, for tests that drive the real client/server pair.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPU_DIR, requireVenv } from './venv.ts';

/** The base model's served name under --tiny-random (sia_worker/serve.py TINY_SERVED_NAME). */
export const TINY_SERVED_NAME = 'sia/tiny-random-gpt-oss';

export interface PolicyServer {
  /** http://127.0.0.1:PORT (no /v1). */
  url: string;
  modelDir: string;
  /** Folder for adapters and other scratch files; removed by close(). */
  scratch: string;
  /** Writes a perturbed r=8 LoRA (q/k/v/o_proj) for the served model into scratch/NAME and returns its path. */
  makeAdapter(name: string): string;
  close(): Promise<void>;
}

export async function startPolicyServer(options: { startTimeoutMs?: number } = {}): Promise<PolicyServer> {
  const python = requireVenv();
  const scratch = mkdtempSync(join(tmpdir(), 'sia-policy-server-'));
  const modelDir = join(scratch, 'model');
  const child = spawn(python, ['-m', 'sia_worker.serve', '--tiny-random', '--model-dir', modelDir, '--port', '0'], {
    cwd: GPU_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`policy server did not start in time; stderr: ${stderr}`)), options.startTimeoutMs ?? 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`policy server exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  return {
    url,
    modelDir,
    scratch,
    makeAdapter(name) {
      const dir = join(scratch, name);
      const made = spawnSync(python, ['-m', 'tests.serve_fixtures', modelDir, dir], { cwd: GPU_DIR, encoding: 'utf8', timeout: 120_000 });
      if (made.status !== 0) throw new Error(`making adapter ${name} failed: ${made.stderr.slice(-2000)}`);
      return dir;
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
