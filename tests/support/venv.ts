/**
 * The worker's Python environment (gpu/.venv, made by gpu/venv.sh, which `npm test` runs first). Tests that need
 * torch/transformers/peft use its interpreter; when it is missing they fail with the command that makes it, since
 * the README's test command always creates it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GPU_DIR = fileURLToPath(new URL('../../gpu/', import.meta.url));
export const VENV_PYTHON = fileURLToPath(new URL('../../gpu/.venv/bin/python', import.meta.url));

export function requireVenv(): string {
  if (!existsSync(VENV_PYTHON)) throw new Error(`${VENV_PYTHON} is missing: run \`bash gpu/venv.sh\` (npm test runs it first)`);
  return VENV_PYTHON;
}
