/**
 * @module bench/lib/child
 * Servers under test run in their own child processes, optionally pinned to CPUs with `taskset` so that the app,
 * the emulator and the load generator do not steal each other's core. Output goes to a log file (the kernel
 * writes it; the harness does not spend CPU reading a pipe during a measurement). Every child is stopped with
 * SIGTERM, then SIGKILL after a bound.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 20;

let tasksetAvailable: boolean | undefined;

/** True when `taskset` can be used here (installed, and more than one CPU to choose from). */
export function canPin(): boolean {
  tasksetAvailable ??= availableParallelism() > 1 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  return tasksetAvailable;
}

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** A short name for messages and the log file. */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** CPU list for `taskset -c` (e.g. `'0'`); ignored when pinning is not possible. */
  readonly cpus?: string;
  /** Directory for `<name>.log` (stdout and stderr). */
  readonly logDir: string;
}

/** A running child process. */
export interface RunningChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  readonly logFile: string;
  /** Whether the child was pinned to `cpus`. */
  readonly pinned: boolean;
  /** The log so far (last `maxBytes`). */
  output(maxBytes?: number): string;
  /** Resolves when the log matches `pattern` (returns the match); rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after a bound; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** True while the process runs. */
  running(): boolean;
}

/** Starts a child process (pinned when asked and possible) with stdout and stderr in a log file. */
export function startChild(options: ChildOptions): RunningChild {
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'w');
  const pinned = options.cpus !== undefined && canPin();
  const [command, args] = pinned
    ? ['taskset', ['-c', options.cpus, options.command, ...options.args]]
    : [options.command, [...options.args]];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start ${options.command}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping: Promise<void> | undefined;

  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const output = (maxBytes = 64 * 1024): string => {
    try {
      const text = readFileSync(logFile, 'utf8');
      return text.length > maxBytes ? text.slice(-maxBytes) : text;
    } catch {
      return '';
    }
  };

  return {
    name: options.name,
    pid,
    process: child,
    logFile,
    pinned,
    output,
    running,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const match = pattern.exec(output(1024 * 1024));
        if (match) return match;
        if (!running())
          throw new Error(`${options.name} exited (${child.exitCode ?? child.signalCode}):\n${output(4000)}`);
        await sleep(POLL_MS);
      }
      throw new Error(`${options.name} did not print ${pattern} within ${timeoutMs} ms:\n${output(4000)}`);
    },
    stop() {
      stopping ??= (async () => {
        if (!running()) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Resolves after `ms` (only for polling loops and pauses between rounds, never for time-based logic). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers `status` (default 200); rejects after `timeoutMs` or when `alive()` turns false. */
export async function waitForHttp(
  url: string,
  timeoutMs: number,
  alive: () => boolean = () => true,
  status = 200,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`the server for ${url} exited`);
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** Resident set size of a process in bytes, split as Linux reports it (`/proc/<pid>/status`). */
export interface RssBreakdown {
  readonly rss: number;
  /** Private anonymous memory (heap, stacks, native allocations). */
  readonly anon: number;
  /** File-backed pages mapped into the process (code, mmapped files such as LevelDB tables). */
  readonly file: number;
}

/** Reads `VmRSS`, `RssAnon` and `RssFile` of `pid` (Linux). */
export function readRss(pid: number): RssBreakdown {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) a process has used so far, in seconds (Linux `/proc/<pid>/stat`, 10 ms
 * resolution). CPU time per request is steadier than requests/s on a shared machine: other load slows a server
 * down but hardly changes what each request costs it.
 */
export function readCpuSeconds(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * CPU time (user + system) of a process's main thread so far, in seconds (`/proc/<pid>/task/<pid>/stat`): what
 * the JavaScript thread used, without V8's helper threads (concurrent marking and sweeping, compilers) and libuv's
 * pool, which {@link readCpuSeconds} includes.
 */
export function readMainThreadCpuSeconds(pid: number): number {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}

/** utime + stime of a `/proc/…/stat` file, in seconds. */
function cpuSecondsIn(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Waits until the processes `pids` are quiet: together at most `maxCpuShare` of one CPU over a `windowMs` window
 * (a peer that was just loaded may still be collecting garbage or compacting, which would land in the next
 * peer's round on the same core). Bounded by `timeoutMs`; returns the time waited, ms.
 */
export async function waitUntilQuiet(
  pids: readonly number[],
  options: { windowMs?: number; maxCpuShare?: number; timeoutMs?: number } = {},
): Promise<number> {
  const windowMs = options.windowMs ?? 500;
  const maxCpuShare = options.maxCpuShare ?? 0.03;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const total = (): number => pids.reduce((sum, pid) => sum + readCpuSeconds(pid), 0);
  const start = performance.now();
  let before = total();
  while (performance.now() - start < timeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const after = total();
    if (after - before <= (maxCpuShare * windowMs) / 1000) break;
    before = after;
  }
  return performance.now() - start;
}

/** TCP connections to a local port right now (Linux `ss`): established ones per client pid, and TIME-WAIT ones. */
export function countConnectionsTo(port: number): { establishedByPid: Map<number, number>; timeWait: number } {
  const filter = `( dport = :${port} )`;
  const established = spawnSync('ss', ['-tnpH', 'state', 'established', filter], { encoding: 'utf8' }).stdout ?? '';
  const timeWait = spawnSync('ss', ['-tnH', 'state', 'time-wait', filter], { encoding: 'utf8' }).stdout ?? '';
  const establishedByPid = new Map<number, number>();
  for (const match of established.matchAll(/pid=(\d+)/g)) {
    const pid = Number(match[1]);
    establishedByPid.set(pid, (establishedByPid.get(pid) ?? 0) + 1);
  }
  return { establishedByPid, timeWait: timeWait.split('\n').filter((l) => l.trim() !== '').length };
}
