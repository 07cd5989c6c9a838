/**
 * @module bench/lib/context
 * What every scenario gets: the repository root, a temporary directory for data and logs, the CPU plan, the run's
 * durations (full or `--quick`), progress output on stderr, and a cleanup stack that stops every process the
 * scenario started, last first, even when it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canPin } from './child.js';

/** Which CPU each party runs on (`undefined` = not pinned). */
export interface CpuPlan {
  /** The server under test (rc-authflow or a peer). */
  readonly server?: string;
  /** The shared emulator (and Redis). */
  readonly upstream?: string;
  /** The load generator while it loads a server under test (it shares the emulator's core on 2 CPUs). */
  readonly loadForServer?: string;
  /** The load generator while it loads the emulator directly (the server core is idle then). */
  readonly loadForUpstream?: string;
  readonly description: string;
}

/** Measurement lengths; `--quick` shortens everything for a smoke run. */
export interface Durations {
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  readonly rounds: number;
}

export interface BenchContext {
  readonly root: string;
  readonly workDir: string;
  readonly cpus: CpuPlan;
  readonly durations: Durations;
  readonly quick: boolean;
  /** Progress line on stderr. */
  log(message: string): void;
  /** Registers a cleanup step (run last-first by {@link BenchContext.cleanup}). */
  onCleanup(fn: () => Promise<void> | void): void;
  /** Runs the cleanup steps registered so far. */
  cleanup(): Promise<void>;
  /** Pins the harness process (all its threads) to `cpus`; no-op when pinning is off. */
  pinSelf(cpus: string | undefined): void;
}

/** The CPU plan for this machine: on 2 CPUs, server on CPU 0; emulator, Redis and load generator on CPU 1. */
export function planCpus(enabled: boolean): CpuPlan {
  const n = availableParallelism();
  if (!enabled || !canPin()) return { description: 'not pinned' };
  if (n >= 4) {
    return {
      server: '0',
      upstream: '1',
      loadForServer: '2-3',
      loadForUpstream: '2-3',
      description: 'server CPU 0, emulator + Redis CPU 1, load generator CPUs 2-3',
    };
  }
  if (n === 3) {
    return {
      server: '0',
      upstream: '1',
      loadForServer: '2',
      loadForUpstream: '2',
      description: 'server CPU 0, emulator + Redis CPU 1, load generator CPU 2',
    };
  }
  return {
    server: '0',
    upstream: '1',
    loadForServer: '1',
    loadForUpstream: '0',
    description:
      'server under test CPU 0; emulator + Redis CPU 1; load generator on the core not under test (CPU 1 for apps, CPU 0 for the emulator alone)',
  };
}

/** Creates the context of one `npm run bench` invocation. */
export function createContext(options: { quick: boolean; pin: boolean }): BenchContext {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const workDir = mkdtempSync(join(tmpdir(), 'rc-authflow-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  const cpus = planCpus(options.pin);
  const durations: Durations = options.quick
    ? { warmupSeconds: 1, measureSeconds: 2, rounds: 1 }
    : { warmupSeconds: 3, measureSeconds: 5, rounds: 3 };
  let pinnedTo: string | undefined;
  const cleanup = async (): Promise<void> => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn?.();
      } catch (err) {
        process.stderr.write(`[bench] cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  };
  // Whatever ends the harness early (Ctrl-C, a kill, its output piped into `head`), its servers stop with it.
  const stopEarly = (): void => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopEarly);
  process.once('SIGTERM', stopEarly);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stopEarly();
  });
  return {
    root,
    workDir,
    cpus,
    durations,
    quick: options.quick,
    log(message) {
      process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
    },
    onCleanup(fn) {
      cleanups.push(fn);
    },
    cleanup,
    pinSelf(target) {
      if (target === undefined || target === pinnedTo) return;
      spawnSync('taskset', ['-a', '-p', '-c', target, String(process.pid)], { stdio: 'ignore' });
      pinnedTo = target;
    },
  };
}

/** Removes the run's temporary directory. */
export function removeWorkDir(ctx: BenchContext): void {
  rmSync(ctx.workDir, { recursive: true, force: true });
}
