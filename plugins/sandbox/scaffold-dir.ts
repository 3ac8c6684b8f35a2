/**
 * Lays a run's scaffold out on disk: a fresh folder under one sandbox root with the scaffold files and the
 * child's runner (read-only to the child) and a scratch dir. Folders of runs whose process died (a crash, a
 * kill) are removed when the next run starts.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { ScaffoldFiles } from '../../core/ports/task.ts';
import { SANDBOX_UID } from './isolation.ts';

export interface RunDirs {
  root: string;
  scaffoldDir: string;
  scratchDir: string;
  /** Copies of runner.mjs and guards.mjs: the child reads them from here, not from wherever sia is installed. */
  runnerPath: string;
  guardsPath: string;
}

/** A scaffold file name that is absolute or climbs out of its folder; null when every name is safe. */
export function unsafeScaffoldPath(scaffold: ScaffoldFiles): string | null {
  for (const name of Object.keys(scaffold.files)) {
    const normalised = normalize(name);
    if (!name || isAbsolute(name) || normalised === '..' || normalised.startsWith(`..${sep}`) || name.includes('\0')) return name;
  }
  return null;
}

export function createRunDirs(tempRoot: string | undefined, runner: { runnerPath: string; guardsPath: string }): RunDirs {
  // realpath: the permission model compares resolved paths (macOS /tmp is a symlink).
  const parent = join(realpathSync(tempRoot ?? tmpdir()), 'sia-sandbox');
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  removeStaleRuns(parent);
  const root = mkdtempSync(join(parent, `run-${process.pid}-`));
  const dirs = {
    root,
    scaffoldDir: join(root, 'scaffold'),
    scratchDir: join(root, 'scratch'),
    runnerPath: join(root, 'runner.mjs'),
    guardsPath: join(root, 'guards.mjs'),
  };
  mkdirSync(dirs.scaffoldDir);
  mkdirSync(dirs.scratchDir);
  copyFileSync(runner.runnerPath, dirs.runnerPath);
  copyFileSync(runner.guardsPath, dirs.guardsPath);
  // The child runs as another user when sia is root: it must read the run folder and write its scratch dir.
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) chownSync(dirs.scratchDir, SANDBOX_UID, SANDBOX_UID);
  return dirs;
}

/** Removes run folders whose sia process is gone (named run-<pid>-…). */
function removeStaleRuns(parent: string): void {
  for (const name of readdirSync(parent)) {
    const pid = Number(/^run-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && !alive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeScaffold(scaffoldDir: string, scaffold: ScaffoldFiles): void {
  for (const [name, content] of Object.entries(scaffold.files)) {
    const path = join(scaffoldDir, name);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileSync(path, content, { mode: 0o644 });
  }
  // Scaffolds are ESM even as .js; without this Node would look for a package.json above the readable dir.
  if (!('package.json' in scaffold.files)) writeFileSync(join(scaffoldDir, 'package.json'), '{"type":"module"}\n', { mode: 0o644 });
  chmodSync(scaffoldDir, 0o755);
}
