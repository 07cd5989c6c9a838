/**
 * @module scripts/redis-topology
 * Starts a local Redis topology of real `redis-server` processes, for `npm run cluster -- --redis …` and for the
 * test suites that run on Sentinel or Cluster: everything on free ports of 127.0.0.1, in one temporary directory
 * (one sub-directory per process), and everything stopped and removed by `stop()`.
 *
 * - `server`: one Redis.
 * - `sentinel`: one primary, `replicas` replicas (default 1) and `sentinels` sentinels (default 3, quorum a
 *   majority), started as `redis-server <file> --sentinel` with `down-after-milliseconds` and `failover-timeout`
 *   as given (low values make a test's failover take about two seconds). Ready once every sentinel knows every
 *   replica and every other sentinel, so a failover can be voted at once.
 * - `cluster`: `primaries` primaries (default 3) with `replicas` replicas each (default 0), joined by
 *   `redis-cli --cluster create`. Ready once every node reports `cluster_state:ok`. Each node's cluster bus gets its
 *   own free port (`cluster-port`), since `port + 10000` may be taken or out of range.
 *
 * With `password`, every server has `requirepass` and `masterauth` (and the sentinels `auth-pass`); with `tls`,
 * every process listens on TLS only (`port 0`, `tls-port`), replication and the cluster bus included. Each waiting
 * loop here is bounded in time. A port taken between choosing it and binding it is retried with another.
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { delay, freePort, stopChild } from './processes.js';

export type TopologyKind = 'server' | 'sentinel' | 'cluster';

/** Certificate files for a TLS topology (PEM). */
export interface TopologyTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

/** Options of {@link startTopology}. */
export interface TopologyOptions {
  readonly kind: TopologyKind;
  /** Path of `redis-server` (also run with `--sentinel`). Default `redis-server` on the PATH. */
  readonly redisServer?: string;
  /** Path of `redis-cli` (cluster creation). Default `redis-cli` on the PATH. */
  readonly redisCli?: string;
  /** `requirepass` of every server (and `auth-pass` of the sentinels). */
  readonly password?: string;
  /** `requirepass` of the sentinels themselves. */
  readonly sentinelPassword?: string;
  /** Append-only file on (`appendfsync everysec`). Default false. */
  readonly appendonly?: boolean;
  /** Cluster: number of primaries (default 3, at least 3). */
  readonly primaries?: number;
  /** Sentinel: replicas of the primary (default 1). Cluster: replicas per primary (default 0). */
  readonly replicas?: number;
  /** Sentinel: number of sentinels (default 3). */
  readonly sentinels?: number;
  /** Sentinel: the monitored name. Default `mymaster`. */
  readonly sentinelName?: string;
  /** Sentinel `down-after-milliseconds`. Default 5000. */
  readonly downAfterMs?: number;
  /** Sentinel `failover-timeout`. Default 60000. */
  readonly failoverTimeoutMs?: number;
  /** Cluster `cluster-node-timeout`. Default 5000. */
  readonly nodeTimeoutMs?: number;
  readonly tls?: TopologyTls;
  /** The longest the whole start may take. Default 60 s. */
  readonly readyTimeoutMs?: number;
}

/** One process of the topology. */
export interface RedisProcess {
  /** The role it was started in (a failover changes the real roles, not this). */
  readonly role: 'primary' | 'replica' | 'sentinel';
  readonly port: number;
  readonly dir: string;
  pid(): number | undefined;
  alive(): boolean;
  /** Sends `signal` (default SIGTERM, SIGKILL after 5 s) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory (and configuration file) and waits until it answers. */
  start(): Promise<void>;
  /** What it printed (for failure messages). */
  output(): string;
}

/** A running topology. */
export interface LocalTopology {
  readonly kind: TopologyKind;
  /** The temporary directory holding every process's files. */
  readonly dir: string;
  /** The data nodes: primary first (Sentinel), primaries then replicas (Cluster), or the one server. */
  readonly nodes: readonly RedisProcess[];
  readonly sentinels: readonly RedisProcess[];
  readonly sentinelName: string | undefined;
  /** The environment an app instance needs: `REDIS_URL`, or `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`, or `REDIS_CLUSTER_NODES`, plus `REDIS_PASSWORD`/`REDIS_TLS`. */
  readonly env: Readonly<Record<string, string>>;
  /** Options for an ioredis connection to one of its processes (password, TLS), for tools and tests. */
  connectionOptions(port: number): RedisOptions;
  /** Sentinel: the port of the primary the sentinels report now (asks each sentinel in turn). */
  primaryPort(): Promise<number>;
  /** Every process, stopped (SIGKILL when `fast`, else SIGTERM), and the directory removed. Idempotent. */
  stop(options?: { fast?: boolean }): Promise<void>;
}

const PORT_ATTEMPTS = 5;
const PROBE_TIMEOUT_MS = 1_000;
const STOP_TIMEOUT_MS = 5_000;

/** Runs `fn` until it returns a value other than `undefined`, every `everyMs`, for at most `timeoutMs`. */
async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, everyMs = 50): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (performance.now() > deadline) {
      const detail = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`redis topology: timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await delay(everyMs);
  }
}

/**
 * Starts a topology. On failure everything started so far is stopped and removed before the error is thrown.
 * @throws {Error} when a process does not start or the topology does not become ready in time
 */
export async function startTopology(options: TopologyOptions): Promise<LocalTopology> {
  const redisServer = options.redisServer ?? 'redis-server';
  const redisCli = options.redisCli ?? 'redis-cli';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const started = performance.now();
  const left = (): number => Math.max(1_000, readyTimeoutMs - (performance.now() - started));
  const dir = await mkdtemp(join(tmpdir(), `rc-authflow-redis-${options.kind}-`));
  const processes: RedisProcess[] = [];
  const ca = options.tls === undefined ? undefined : readFileSync(options.tls.caFile);
  let stopped = false;

  function connectionOptions(port: number): RedisOptions {
    return {
      host: '127.0.0.1',
      port,
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(ca === undefined ? {} : { tls: { ca } }),
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: PROBE_TIMEOUT_MS,
      commandTimeout: PROBE_TIMEOUT_MS,
    };
  }

  /** One command on a short-lived connection (so a dead process never leaves a reconnecting client behind). */
  async function ask(port: number, args: string[], password: string | undefined): Promise<unknown> {
    const { password: _dataPassword, ...rest } = connectionOptions(port);
    const client = new Redis({ ...rest, ...(password === undefined ? {} : { password }) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [command, ...rest] = args;
      return await client.call(command ?? 'PING', ...rest);
    } finally {
      client.disconnect();
    }
  }

  function tlsArgs(): string[] {
    const tls = options.tls;
    if (tls === undefined) return [];
    return [
      ...['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile],
      ...['--tls-auth-clients', 'no', '--tls-replication', 'yes'],
    ];
  }

  function portArgs(port: number): string[] {
    return options.tls === undefined ? ['--port', String(port)] : ['--port', '0', '--tls-port', String(port)];
  }

  /**
   * Starts one process whose arguments depend on its port (tried again with another port when the chosen one was
   * taken meanwhile) and waits until it answers PING (or NOAUTH: up, but wants a password).
   */
  async function launch(
    role: RedisProcess['role'],
    name: string,
    argsFor: (port: number, dir: string) => Promise<string[]>,
  ): Promise<RedisProcess> {
    const own = join(dir, name);
    await mkdir(own, { recursive: true });
    let child: ChildProcess | undefined;
    let log = '';
    let port = 0;
    let args: string[] = [];
    const password = role === 'sentinel' ? options.sentinelPassword : options.password;

    async function spawnAndWait(): Promise<void> {
      const proc = spawn(redisServer, args, { cwd: own, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      proc.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      proc.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
      const deadline = performance.now() + left();
      for (;;) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`redis-server (${name}) exited during start-up on port ${port}:\n${log}`);
        }
        try {
          await ask(port, ['PING'], password);
          return;
        } catch (err) {
          if (err instanceof Error && /NOAUTH|WRONGPASS/.test(err.message)) return;
        }
        if (performance.now() > deadline) {
          await stopChild(proc, 'SIGKILL', STOP_TIMEOUT_MS);
          throw new Error(`redis-server (${name}) did not answer on port ${port}:\n${log}`);
        }
        await delay(25);
      }
    }

    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      args = await argsFor(port, own);
      log = '';
      try {
        await spawnAndWait();
        break;
      } catch (err) {
        if (attempt >= PORT_ATTEMPTS || !log.includes('Address already in use')) throw err;
      }
    }
    const proc: RedisProcess = {
      role,
      port,
      dir: own,
      pid: () => child?.pid,
      alive: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      async stop(signal: NodeJS.Signals = 'SIGTERM') {
        if (child !== undefined) await stopChild(child, signal, STOP_TIMEOUT_MS);
      },
      async start() {
        if (proc.alive()) throw new Error(`redis-server (${name}) is already running`);
        await spawnAndWait();
      },
      output: () => log,
    };
    processes.push(proc);
    return proc;
  }

  function serverArgs(port: number, own: string, extra: string[] = []): string[] {
    return [
      ...portArgs(port),
      ...['--bind', '127.0.0.1', '--dir', own, '--save', '', '--daemonize', 'no', '--loglevel', 'warning'],
      ...['--appendonly', options.appendonly === true ? 'yes' : 'no', '--appendfsync', 'everysec'],
      // A replica's first sync starts at once (the default waits 5 s for more replicas to share one transfer).
      ...['--repl-diskless-sync-delay', '0'],
      ...(options.password === undefined ? [] : ['--requirepass', options.password, '--masterauth', options.password]),
      ...tlsArgs(),
      ...extra,
    ];
  }

  async function stop(stopOptions: { fast?: boolean } = {}): Promise<void> {
    if (stopped) return;
    stopped = true;
    // Sentinels first, so they do not fail over while the data nodes go.
    const order = [...processes].sort((a, b) => Number(b.role === 'sentinel') - Number(a.role === 'sentinel'));
    for (const proc of order) await proc.stop(stopOptions.fast === true ? 'SIGKILL' : 'SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }

  const common = {
    ...(options.password === undefined ? {} : { REDIS_PASSWORD: options.password }),
    ...(options.tls === undefined ? {} : { REDIS_TLS: 'true' }),
  };
  const scheme = options.tls === undefined ? 'redis' : 'rediss';
  try {
    switch (options.kind) {
      case 'server': {
        const node = await launch('primary', 'server', (port, own) => Promise.resolve(serverArgs(port, own)));
        return topology([node], [], undefined, { REDIS_URL: `${scheme}://127.0.0.1:${node.port}`, ...common });
      }
      case 'sentinel':
        return await startSentinel();
      case 'cluster':
        return await startCluster();
    }
  } catch (err) {
    await stop({ fast: true });
    throw err;
  }

  function topology(
    nodes: RedisProcess[],
    sentinels: RedisProcess[],
    sentinelName: string | undefined,
    env: Record<string, string>,
  ): LocalTopology {
    return {
      kind: options.kind,
      dir,
      nodes,
      sentinels,
      sentinelName,
      env,
      connectionOptions,
      async primaryPort() {
        if (sentinelName === undefined) return nodes[0]?.port ?? 0;
        for (const sentinel of sentinels) {
          try {
            const reply = await ask(
              sentinel.port,
              ['SENTINEL', 'get-master-addr-by-name', sentinelName],
              options.sentinelPassword,
            );
            if (Array.isArray(reply) && reply.length === 2) return Number(reply[1]);
          } catch {
            // this sentinel is down: ask the next
          }
        }
        throw new Error('no sentinel answered with the primary');
      },
      stop,
    };
  }

  async function startSentinel(): Promise<LocalTopology> {
    const name = options.sentinelName ?? 'mymaster';
    const replicaCount = options.replicas ?? 1;
    const sentinelCount = options.sentinels ?? 3;
    const primary = await launch('primary', 'primary', (port, own) => Promise.resolve(serverArgs(port, own)));
    const replicas: RedisProcess[] = [];
    for (let i = 0; i < replicaCount; i++) {
      replicas.push(
        await launch('replica', `replica-${i + 1}`, (port, own) =>
          Promise.resolve(serverArgs(port, own, ['--replicaof', '127.0.0.1', String(primary.port)])),
        ),
      );
    }
    await poll('the replicas to be in sync', left(), async () => {
      const info = String(await ask(primary.port, ['INFO', 'replication'], options.password));
      const online = info.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
      return online >= replicaCount ? true : undefined;
    });
    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      sentinels.push(
        await launch('sentinel', `sentinel-${i + 1}`, async (port, own) => {
          const file = join(own, 'sentinel.conf');
          const tls = options.tls;
          const lines = [
            ...(tls === undefined ? [`port ${port}`] : ['port 0', `tls-port ${port}`]),
            'bind 127.0.0.1',
            `dir ${own}`,
            `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${quorum}`,
            `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 5_000}`,
            `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 60_000}`,
            `sentinel parallel-syncs ${name} 1`,
            ...(options.password === undefined ? [] : [`sentinel auth-pass ${name} ${options.password}`]),
            ...(options.sentinelPassword === undefined ? [] : [`requirepass ${options.sentinelPassword}`]),
            ...(tls === undefined
              ? []
              : [
                  `tls-cert-file ${tls.certFile}`,
                  `tls-key-file ${tls.keyFile}`,
                  `tls-ca-cert-file ${tls.caFile}`,
                  'tls-auth-clients no',
                  'tls-replication yes',
                ]),
          ];
          // Sentinel rewrites its file as it learns the topology: it must be its own and writable.
          await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
          return [file, '--sentinel', '--daemonize', 'no', '--loglevel', 'warning'];
        }),
      );
    }
    // A failover needs a vote among sentinels that know each other and the replicas (hello messages, ~2 s).
    for (const sentinel of sentinels) {
      await poll('every sentinel to know the replicas and the other sentinels', left(), async () => {
        const known = (await ask(sentinel.port, ['SENTINEL', 'replicas', name], options.sentinelPassword)) as unknown[];
        const peers = (await ask(
          sentinel.port,
          ['SENTINEL', 'sentinels', name],
          options.sentinelPassword,
        )) as unknown[];
        return known.length >= replicaCount && peers.length >= sentinelCount - 1 ? true : undefined;
      });
    }
    return topology([primary, ...replicas], sentinels, name, {
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_NAME: name,
      ...(options.sentinelPassword === undefined ? {} : { REDIS_SENTINEL_PASSWORD: options.sentinelPassword }),
      ...common,
    });
  }

  async function startCluster(): Promise<LocalTopology> {
    const primaryCount = Math.max(3, options.primaries ?? 3);
    const perPrimary = options.replicas ?? 0;
    const nodes: RedisProcess[] = [];
    for (let i = 0; i < primaryCount * (1 + perPrimary); i++) {
      const role = i < primaryCount ? 'primary' : 'replica';
      nodes.push(
        await launch(role, `node-${i + 1}`, async (port, own) =>
          serverArgs(port, own, [
            ...['--cluster-enabled', 'yes', '--cluster-config-file', join(own, 'nodes.conf')],
            ...['--cluster-port', String(await freePort())],
            ...['--cluster-node-timeout', String(options.nodeTimeoutMs ?? 5_000)],
            ...(options.tls === undefined ? [] : ['--tls-cluster', 'yes']),
          ]),
        ),
      );
    }
    // redis-cli takes the first `primaryCount` addresses as primaries and the rest as their replicas.
    const create = spawn(
      redisCli,
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(perPrimary),
        '--cluster-yes',
        ...(options.tls === undefined ? [] : ['--tls', '--cacert', options.tls.caFile]),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        // The password through the environment, not the command line (which `ps` shows).
        env: { ...process.env, ...(options.password === undefined ? {} : { REDISCLI_AUTH: options.password }) },
      },
    );
    let output = '';
    create.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    create.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => create.kill('SIGKILL'), left());
    const code = await new Promise<number | null>((resolve) => create.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`redis-cli --cluster create failed (exit ${code}):\n${output}`);
    for (const node of nodes) {
      await poll(`node ${node.port} to report cluster_state:ok with every replica attached`, left(), async () => {
        const info = String(await ask(node.port, ['CLUSTER', 'INFO'], options.password));
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return undefined;
        // CLUSTER SLOTS rows: [from, to, primary, ...replicas]; a replica shows once it has been introduced.
        const slots = (await ask(node.port, ['CLUSTER', 'SLOTS'], options.password)) as unknown[][];
        return slots.length === primaryCount && slots.every((row) => row.length - 3 >= perPrimary) ? true : undefined;
      });
    }
    for (const node of nodes.slice(0, primaryCount)) {
      await poll(`primary ${node.port} to have its replicas in sync`, left(), async () => {
        const info = String(await ask(node.port, ['INFO', 'replication'], options.password));
        return (info.match(/^slave\d+:.*state=online/gm)?.length ?? 0) >= perPrimary ? true : undefined;
      });
    }
    return topology(nodes, [], undefined, {
      REDIS_CLUSTER_NODES: nodes
        .slice(0, primaryCount)
        .map((n) => `127.0.0.1:${n.port}`)
        .join(','),
      ...common,
    });
  }
}
