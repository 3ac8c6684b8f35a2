/**
 * The operating-system boundary around every untrusted process (scaffolds, and the kernels a scaffold emits).
 * - `bwrap`: bubblewrap with new user, network, PID, IPC, UTS and cgroup namespaces; uid/gid 65534 with no
 *   capabilities; a new session; read-only binds of /usr (Node and its libraries) and of exactly the files the
 *   child needs; a size-limited tmpfs as its only writable place; /proc of its own PID namespace; killed with
 *   its parent. No network at all, nothing of the database, task data, adapters or home directories.
 * - `unshare`: the fallback where bubblewrap is missing: new user (unmapped, so uid 65534), network, PID, IPC
 *   and UTS namespaces; the filesystem is the host's, guarded by Node's permission model alone.
 * - `none`: only when the user asks for it (`--sandbox none`); recorded in the log and flagged by `sia audit`.
 * Every mode sets resource limits with prlimit: address space, CPU time, processes, open files, file size.
 */
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Fault, SiaError } from '../../core/errors.ts';

export type IsolationMode = 'bwrap' | 'unshare' | 'none';
export type IsolationChoice = IsolationMode | 'auto';
export const ISOLATION_CHOICES: IsolationChoice[] = ['auto', 'bwrap', 'unshare', 'none'];

/** No OS isolation can run here and the user did not accept running without it. */
export class SandboxUnavailableError extends SiaError {
  override readonly fault: Fault = 'system';
}

export interface ProcessLimits {
  /** Address space in MiB (heap, off-heap buffers, code and thread stacks). */
  addressSpaceMb: number;
  /** Data segment in MiB: what malloc hands out, so large off-heap buffers stop here first. */
  dataMb: number;
  cpuSeconds: number;
  /** Processes and threads of the sandbox uid (Node needs about a dozen threads). */
  processes: number;
  openFiles: number;
  /** Largest file the child may write, in MiB. */
  fileSizeMb: number;
}

export interface IsolatedSpawn {
  /** Files and folders the child reads, bound read-only at the same paths. */
  readOnly: string[];
  /** The child's only writable folder: a fresh tmpfs of `scratchMb` at this path (bwrap); a host folder otherwise. */
  scratchDir: string;
  scratchMb: number;
  limits: ProcessLimits;
}

/** The user sandboxed children run as when sia runs as root (nobody): process limits then count only them. */
export const SANDBOX_UID = 65534;

/**
 * As root, children run as nobody (the kernel exempts root from the process limit, so a fork bomb would not
 * stop); Node installed outside /usr may sit in a folder nobody cannot read, so it keeps the caller's user.
 */
const runAs = () => (process.getuid?.() === 0 && process.execPath.startsWith('/usr/') ? { uid: SANDBOX_UID, gid: SANDBOX_UID } : {});

const probes = new Map<IsolationMode, string | null>();

/** Why a mode cannot run on this machine, or null when it can (tried once per process with `true`). */
export function isolationProblem(mode: IsolationMode): string | null {
  if (mode === 'none') return null;
  if (!probes.has(mode)) {
    const [file, args] = wrap(
      mode,
      {
        readOnly: [],
        scratchDir: '/tmp',
        scratchMb: 1,
        limits: { addressSpaceMb: 2048, dataMb: 256, cpuSeconds: 5, processes: 16, openFiles: 64, fileSizeMb: 1 },
      },
      ['/usr/bin/true'],
    );
    const result = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000, env: {}, ...runAs() });
    probes.set(mode, result.status === 0 ? null : (result.error?.message ?? result.stderr.trim().split('\n')[0] ?? `exit ${result.status}`));
  }
  return probes.get(mode) ?? null;
}

/** Picks the strongest isolation that works here, or the one asked for; refuses with the fix when none does. */
export function resolveIsolation(choice: IsolationChoice): IsolationMode {
  if (choice !== 'auto') {
    const problem = isolationProblem(choice);
    if (problem) throw new SandboxUnavailableError(`--sandbox ${choice} cannot run here: ${problem}`, { hint: fixHint() });
    return choice;
  }
  const bwrap = isolationProblem('bwrap');
  if (!bwrap) return 'bwrap';
  const unshare = isolationProblem('unshare');
  if (!unshare) return 'unshare';
  throw new SandboxUnavailableError(`no OS sandbox works here (bwrap: ${bwrap}; unshare: ${unshare})`, { hint: fixHint() });
}

const fixHint = () =>
  process.platform === 'linux'
    ? 'install bubblewrap (`apt-get install bubblewrap`) and allow unprivileged user namespaces, or run with `--sandbox none` (recorded and flagged by `sia audit`)'
    : `${process.platform} has no Linux namespaces: run sia in a Linux VM or container, or pass \`--sandbox none\` (recorded and flagged by \`sia audit\`)`;

/** Spawns `command` inside the chosen isolation with the given limits and an empty environment. */
export function spawnIsolated(mode: IsolationMode, spec: IsolatedSpawn, command: string[], options: SpawnOptions): ChildProcess {
  const [file, args] = wrap(mode, spec, command);
  return spawn(file, args, { ...options, env: {}, ...runAs() });
}

function wrap(mode: IsolationMode, spec: IsolatedSpawn, command: string[]): [string, string[]] {
  // env -i: bubblewrap sets PWD after clearing; the child starts with no variables at all.
  const limited = ['/usr/bin/env', '-i', '/usr/bin/prlimit', ...prlimitArgs(spec.limits), '--', ...command];
  if (mode === 'none') return [limited[0], limited.slice(1)];
  if (mode === 'unshare') return ['/usr/bin/unshare', ['--user', '--net', '--ipc', '--uts', '--pid', '--fork', '--kill-child', ...limited]];
  const binds = [...new Set([...spec.readOnly, ...runtimeDirs(command[0])])].flatMap((path) => ['--ro-bind', path, path]);
  return [
    '/usr/bin/bwrap',
    [
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--uid',
      '65534',
      '--gid',
      '65534',
      '--cap-drop',
      'ALL',
      '--hostname',
      'sandbox',
      '--ro-bind',
      '/usr',
      '/usr',
      ...['lib', 'lib64', 'bin'].flatMap((link) => (existsSync(`/${link}`) ? ['--symlink', `usr/${link}`, `/${link}`] : [])),
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      ...binds,
      '--size',
      String(spec.scratchMb * 1024 * 1024),
      '--tmpfs',
      spec.scratchDir,
      '--chdir',
      spec.scratchDir,
      '--',
      ...limited,
    ],
  ];
}

/** Node outside /usr (nvm, /opt, /usr/local is inside /usr) needs its own install folder bound too. */
function runtimeDirs(executable: string | undefined): string[] {
  const node = process.execPath;
  return node.startsWith('/usr/') || executable !== node ? [] : [dirname(dirname(node))];
}

function prlimitArgs(limits: ProcessLimits): string[] {
  const mib = 1024 * 1024;
  return [
    `--as=${limits.addressSpaceMb * mib}`,
    `--data=${limits.dataMb * mib}`,
    `--cpu=${limits.cpuSeconds}`,
    `--nproc=${limits.processes}`,
    `--nofile=${limits.openFiles}`,
    `--fsize=${limits.fileSizeMb * mib}`,
  ];
}
