/**
 * @module test/helpers/redis-topology
 * Redis for the suites that run on more than one topology. `server` is a private `redis-server` per test, as
 * `startRedis` has always given; `cluster` is three primaries (`scripts/redis-topology.ts`) started once per test
 * file, on first use, with a password, and removed after the file's last test (each test uses its own key prefix,
 * see {@link uniquePrefix}); `sentinel` likewise, a primary, a replica and three sentinels. Suites loop over
 * {@link SUITE_TOPOLOGIES} and skip a topology whose programs are missing (`redis-cli` creates the cluster),
 * unless `RC_TEST_REQUIRE=all`.
 */
import type { TestContext } from 'node:test';
import type { RedisSettings } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';
import { createRedisConnection, type RedisConnection, waitUntilReady } from '../../src/redis/client.js';
import { serverSettings } from '../../src/redis/redis-backend.js';
import {
  type LocalTopology,
  startTopology,
  type TopologyKind,
  type TopologyOptions,
} from '../../scripts/redis-topology.js';
import { recordSecrets } from './log-spy.js';
import { type CleanupContext, fileCleanup, redisSkip, startRedis } from './redis.js';
import { toolOrSkip } from './require-tool.js';

/** The topologies the shared Redis suites run on. */
export const SUITE_TOPOLOGIES = ['server', 'cluster'] as const;
export type SuiteTopology = (typeof SUITE_TOPOLOGIES)[number];

/** How a test reaches its Redis: in-process settings and the environment of an app process. */
export interface TestRedis {
  readonly kind: TopologyKind;
  /** For `openRedisBackend({ redis })` and `createRedisConnection`. */
  readonly settings: RedisSettings;
  /** For `loadConfig` and child processes: `REDIS_URL`, or `REDIS_CLUSTER_NODES` + `REDIS_PASSWORD`, … */
  readonly env: Readonly<Record<string, string>>;
  /** The local topology behind it (not for `server`). */
  readonly topology?: LocalTopology;
}

/** The shared cluster's password: long and random-looking, so the log spy would find it in any log line. */
export const CLUSTER_TEST_PASSWORD = 'cluster-test-pw-7Hq2xLz9Kd4';
export const SENTINEL_TEST_PASSWORD = 'sentinel-test-pw-3Vb8nRt6Yw1';

/** A one-server `TestRedis` from a URL (what the suites had before topologies). */
export function testRedisOf(url: string): TestRedis {
  return { kind: 'server', settings: serverSettings(url), env: { REDIS_URL: url } };
}

/** The settings `loadConfig` derives from a topology's environment (the app's own path from variables). */
export function settingsFromEnv(env: Readonly<Record<string, string>>): RedisSettings {
  const settings = loadConfig({ SESSION_STORE: 'redis', ...env }).session.redis;
  if (settings === undefined) throw new Error('no Redis settings in the environment');
  return settings;
}

let cachedCliSkip: string | false | undefined;

/** The skip reason for a suite on `kind`, or `false` when its programs are installed. */
export function topologySkip(kind: TopologyKind): string | false {
  const server = redisSkip();
  if (server !== false || kind !== 'cluster') return server;
  cachedCliSkip ??= toolOrSkip('redis-cli').skip;
  return cachedCliSkip;
}

/** `describe` name of a suite on `kind`: the server suite keeps its old name. */
export function topologyTitle(title: string, kind: TopologyKind): string {
  if (kind === 'server') return title;
  return `${title} (Redis ${kind === 'cluster' ? 'Cluster' : 'Sentinel'})`;
}

let prefixCounter = 0;

/** A key prefix no other test of this process uses (tests of one file share the file's cluster). */
export function uniquePrefix(base: string): string {
  return `${base.replace(/:$/, '')}-${process.pid}-${++prefixCounter}:`;
}

/** Starts a local topology, registered for cleanup, and notes its passwords for the log spy. */
export async function startTestTopology(
  context: CleanupContext,
  options: Omit<TopologyOptions, 'redisServer' | 'redisCli'>,
): Promise<TestRedis> {
  recordSecrets(options.password, options.sentinelPassword);
  const server = toolOrSkip('redis-server').path;
  const cli = options.kind === 'cluster' ? toolOrSkip('redis-cli').path : undefined;
  const topology = await startTopology({
    ...options,
    ...(server === undefined ? {} : { redisServer: server }),
    ...(cli === undefined ? {} : { redisCli: cli }),
  });
  context.after(() => topology.stop({ fast: true }));
  return { kind: options.kind, settings: settingsFromEnv(topology.env), env: topology.env, topology };
}

/**
 * Per test file: `redisFor(t, kind)` gives a fresh private server for `server` (per test, as before), and for
 * `cluster` the file's one cluster (started on first use). Call at module level.
 */
export function topologiesForFile(): (t: TestContext, kind: SuiteTopology) => Promise<TestRedis> {
  const cleanup = fileCleanup();
  let cluster: Promise<TestRedis> | undefined;
  return async (t, kind) => {
    if (kind === 'server') return testRedisOf((await startRedis(t)).url);
    cluster ??= startTestTopology(cleanup, { kind: 'cluster', password: CLUSTER_TEST_PASSWORD, nodeTimeoutMs: 2_000 });
    return cluster;
  };
}

/** A ready connection to `redis` (any topology) for looking at what the app wrote; disconnected after the test. */
export async function inspect(t: TestContext, redis: TestRedis): Promise<RedisConnection> {
  const client = createRedisConnection(redis.settings, { connectionName: 'inspector' });
  t.after(() => client.disconnect());
  await waitUntilReady(client, 10_000);
  return client;
}
