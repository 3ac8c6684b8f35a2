/** Starts runner.mjs for a ChildSession inside the OS boundary, with Node's permission model and resource limits. */
import type { ChildProcess } from 'node:child_process';
import type { SessionSpec } from './child-session.ts';
import { spawnIsolated } from './isolation.ts';

/** Address space beyond the heap and the off-heap headroom: Node's code, thread stacks and V8's reservations. */
const RUNTIME_ADDRESS_SPACE_MB = 1536;

export function spawnRunner(spec: SessionSpec): ChildProcess {
  const { runner } = spec;
  const nodeArgs = [
    '--experimental-permission',
    `--allow-fs-read=${runner.scaffoldDir}`,
    `--allow-fs-read=${runner.scratchDir}`,
    `--allow-fs-read=${spec.runnerPath}`,
    `--allow-fs-read=${spec.guardsPath}`,
    `--allow-fs-write=${runner.scratchDir}`,
    `--max-old-space-size=${spec.limits.memoryMb}`,
    // Node's experimental-feature warning would otherwise count as scaffold output.
    '--no-warnings',
    spec.runnerPath,
    JSON.stringify(runner),
  ];
  const limits = {
    // The address-space limit also stops large off-heap buffers (and WebAssembly's huge reservations).
    addressSpaceMb: spec.limits.memoryMb + (spec.dataHeadroomMb ?? 256) + RUNTIME_ADDRESS_SPACE_MB,
    // --max-old-space-size bounds the JS heap only; the data limit also stops large off-heap buffers.
    dataMb: spec.limits.memoryMb + (spec.dataHeadroomMb ?? 256),
    cpuSeconds: 600,
    processes: 64,
    openFiles: 256,
    fileSizeMb: 64,
  };
  const readOnly = [runner.scaffoldDir, spec.runnerPath, spec.guardsPath];
  return spawnIsolated(spec.isolation, { readOnly, scratchDir: runner.scratchDir, scratchMb: 64, limits }, [process.execPath, ...nodeArgs], {
    cwd: runner.scratchDir,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
}
