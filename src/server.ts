/**
 * @module server
 * The composition root and the only file that reads the environment (`.env` + `process.env`, the latter wins).
 * Validates the configuration (every problem at once, exit 1), opens the session store, starts the built-in
 * RingCentral emulator when `RC_SERVER_URL` is unset, builds the app, listens, prints where to go, and shuts
 * everything down in order on SIGTERM/SIGINT within a bound.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import type { Logger } from 'pino';
import { createApp, type UpstreamInfo } from './app.js';
import { isLoopbackHost, loadConfig, refreshLockWaitMs, type Config } from './config.js';
import { ConfigError } from './errors.js';
import { createLogger } from './logging.js';
import { createAppMetrics } from './metrics/app-metrics.js';
import { openEmbeddedStore } from './session/embedded-store.js';
import { createMemoryStore } from './session/memory-store.js';
import type { SessionStore } from './session/store.js';
import type { BudgetStore } from './governor/budget-store.js';
import type { ReadinessStore } from './readiness/readiness-store.js';
import type { CallLogCopyStore } from './web/explorer/copy-store.js';
import type { RefreshCoordinator } from './ringcentral/refresh-coordinator.js';
import { assets } from './web/assets/index.js';
import type { DemoUser } from './web/context.js';
import { createViews } from './web/views/index.js';

const SECRET_FILE = 'session-secret';

/** `.env` (when present) overlaid by the process environment. */
export function readEnvironment(cwd: string = process.cwd()): Record<string, string | undefined> {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(readFileSync(join(cwd, '.env')));
  } catch {
    // no .env: environment only
  }
  return { ...fromFile, ...process.env };
}

/**
 * The session secret kept in `<dataDir>/session-secret` (mode 0600), created on first use. Used only when
 * `SESSION_SECRETS` is unset; the caller warns. The secret itself is never logged.
 */
export function loadOrCreateSessionSecret(dataDir: string): { secret: string; created: boolean } {
  const file = join(dataDir, SECRET_FILE);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return { secret: existing, created: false };
  } catch {
    // not there yet
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, created: true };
}

export interface SessionBackend {
  readonly store: SessionStore;
  /** Cross-instance single-flight for refreshes (Redis); default: in-process. */
  readonly coordinator?: RefreshCoordinator;
  /** RingCentral rate-limit budgets and readiness counters shared by all instances (Redis); default: in-process. */
  readonly rateLimitStore?: BudgetStore;
  readonly readinessStore?: ReadinessStore;
  /** Users' call-log copies shared by all instances (Redis); default: in-process. */
  readonly callLogCopyStore?: CallLogCopyStore;
}

/** Opens the configured session store (and, on Redis, what the instances share besides sessions). */
export async function openSessionBackend(
  config: Readonly<Config>,
  logger: Logger,
  secrets: readonly string[] = config.session.secrets ?? [],
): Promise<SessionBackend> {
  switch (config.session.store) {
    case 'memory':
      logger.warn('SESSION_STORE=memory: sessions live in this process only and are lost on restart (dev/test only)');
      return { store: createMemoryStore({ now: Date.now, sweepIntervalMs: 60_000 }) };
    case 'embedded':
      return {
        store: await openEmbeddedStore({
          dir: join(config.session.dataDir, 'sessions'),
          now: Date.now,
          onSweepError: (err) => logger.warn({ err }, 'session sweep failed'),
        }),
      };
    case 'redis': {
      // Loaded only when used: the default set-up never needs the Redis client.
      const { openRedisBackend } = await import('./redis/redis-backend.js');
      const backend = await openRedisBackend({
        ...(config.session.redis === undefined
          ? { url: config.session.redisUrl ?? '' }
          : { redis: config.session.redis }),
        logger,
        lockWaitTimeoutMs: refreshLockWaitMs(config),
        ...(config.session.redisKeyPrefix === undefined ? {} : { keyPrefix: config.session.redisKeyPrefix }),
        sessionCache: config.session.redisSessionCache,
      });
      const [
        { DEFAULT_REDIS_KEY_PREFIX },
        { createRedisBudgetStore },
        { createRedisReadinessStore },
        { createRedisCopyStore },
        { createSessionCipher },
      ] = await Promise.all([
        import('./redis/session-store.js'),
        import('./redis/budget-store.js'),
        import('./redis/readiness-store.js'),
        import('./redis/call-log-copy-store.js'),
        import('./session/cipher.js'),
      ]);
      const keyPrefix = config.session.redisKeyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
      return {
        store: backend.store,
        coordinator: backend.coordinator,
        // The same connection: every instance plans one rate-limit schedule per user and counts into one report.
        rateLimitStore: createRedisBudgetStore({ client: backend.client, keyPrefix }),
        readinessStore: createRedisReadinessStore({ client: backend.client, keyPrefix, now: Date.now, logger }),
        // Sealed like the sessions: the first secret encrypts.
        callLogCopyStore: createRedisCopyStore({
          client: backend.client,
          cipher: createSessionCipher(secrets),
          keyPrefix,
        }),
      };
    }
  }
}

/** A free TCP port on `host`, for `PORT=0`: the redirect URL needs the real port before the app is built. */
async function findFreePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

interface RunningEmulator {
  url: string;
  close(): Promise<void>;
}

function demoUsersFrom(demo: unknown): DemoUser[] | undefined {
  const users = (demo as { users?: unknown } | undefined)?.users;
  if (!Array.isArray(users)) return undefined;
  const list: DemoUser[] = [];
  for (const user of users as unknown[]) {
    const u = user as { username?: unknown; email?: unknown; password?: unknown; extensionNumber?: unknown };
    const username = typeof u.username === 'string' ? u.username : typeof u.email === 'string' ? u.email : undefined;
    if (username === undefined || typeof u.password !== 'string') continue;
    list.push({
      username,
      password: u.password,
      ...(typeof u.extensionNumber === 'string' ? { note: `extension ${u.extensionNumber}` } : {}),
    });
  }
  return list.length > 0 ? list : undefined;
}

/**
 * What to warn about at start when the app runs its built-in emulator: reachable from other machines
 * (`EMULATOR_HOST` not loopback: its demo users have public passwords), or out of reach of browsers that the
 * redirect URL says are elsewhere.
 */
export function builtInEmulatorWarnings(config: Readonly<Config>): string[] {
  if (config.ringCentral.serverUrl !== undefined) return [];
  if (!isLoopbackHost(config.emulatorHost)) {
    return [
      `EMULATOR_HOST=${config.emulatorHost}: the built-in RingCentral emulator is reachable from other machines, ` +
        'and anyone who reaches it can sign in as its demo users (public passwords); use it on a trusted network ' +
        'only, or leave EMULATOR_HOST unset (127.0.0.1)',
    ];
  }
  const browserHost = new URL(config.ringCentral.redirectUrl).hostname;
  if (!isLoopbackHost(browserHost)) {
    return [
      `the built-in RingCentral emulator listens on ${config.emulatorHost} only, but RC_REDIRECT_URL sends ` +
        `browsers to ${browserHost}: they cannot reach its sign-in page; set EMULATOR_HOST (e.g. 0.0.0.0) to let them`,
    ];
  }
  return [];
}

async function startBuiltInEmulator(
  config: Readonly<Config>,
  logger: Logger,
): Promise<{ emulator: RunningEmulator; upstream: UpstreamInfo }> {
  // The only place the app touches the emulator: loaded on demand, never imported by src/.
  const module = (await import('../emulator/index.js')) as {
    startEmulator(options: {
      port?: number;
      host?: string;
      redirectUris?: string[];
      dataDir?: string;
      onWarning?: (message: string) => void;
    }): Promise<RunningEmulator>;
    DEMO?: unknown;
  };
  // Loopback unless EMULATOR_HOST says otherwise, whatever HOST is: the demo passwords are public.
  const host = config.emulatorHost === 'localhost' ? '127.0.0.1' : config.emulatorHost.replace(/^\[(.*)\]$/, '$1');
  const emulator = await module.startEmulator({
    port: config.emulatorPort,
    host,
    redirectUris: [config.ringCentral.redirectUrl],
    // Its logins live in DATA_DIR like the app's sessions: restarting the app logs nobody out.
    dataDir: config.session.dataDir,
    onWarning: (message) => logger.warn(`built-in emulator: ${message}`),
  });
  for (const warning of builtInEmulatorWarnings(config)) logger.warn(warning);
  // Browsers reach the emulator on the host name they use for the app.
  const front = new URL(emulator.url);
  front.hostname = new URL(config.ringCentral.redirectUrl).hostname;
  const demoUsers = demoUsersFrom(module.DEMO);
  return {
    emulator,
    upstream: {
      serverUrl: emulator.url,
      authorizeBaseUrl: front.origin,
      label: 'the built-in RingCentral emulator',
      ...(demoUsers === undefined ? {} : { demoUsers }),
    },
  };
}

/** Starts everything; resolves once listening. Exits the process on fatal start-up problems. */
export async function main(): Promise<void> {
  const env = readEnvironment();
  let config: Readonly<Config>;
  try {
    config = loadConfig(env);
    if (config.port === 0 && env.RC_REDIRECT_URL === undefined) {
      config = loadConfig({ ...env, PORT: String(await findFreePort(config.host)) });
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`rc-authflow: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });

  let secrets = config.session.secrets;
  if (secrets === undefined) {
    const { secret, created } = loadOrCreateSessionSecret(config.session.dataDir);
    secrets = [secret];
    logger.warn(
      { file: resolve(config.session.dataDir, SECRET_FILE), created },
      'SESSION_SECRETS is not set: using a generated secret kept in DATA_DIR; set SESSION_SECRETS in production',
    );
  }

  const closers: { name: string; close: () => Promise<void> }[] = [];
  async function closeAll(): Promise<void> {
    for (const { name, close } of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err, part: name }, 'error while shutting down');
      }
    }
    closers.length = 0;
  }

  try {
    const { store, coordinator, rateLimitStore, readinessStore, callLogCopyStore } = await openSessionBackend(
      config,
      logger,
      secrets,
    );
    closers.push({ name: 'session store', close: () => store.close() });

    let upstream: UpstreamInfo;
    if (config.ringCentral.serverUrl === undefined) {
      const started = await startBuiltInEmulator(config, logger);
      closers.push({ name: 'emulator', close: () => started.emulator.close() });
      upstream = started.upstream;
    } else {
      upstream = { serverUrl: config.ringCentral.serverUrl, label: config.ringCentral.serverUrl };
    }

    const app = createApp({
      config,
      logger,
      store,
      sessionSecrets: secrets,
      views: createViews(),
      assets,
      upstream,
      ...(coordinator === undefined ? {} : { refreshCoordinator: coordinator }),
      ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
      ...(readinessStore === undefined ? {} : { readinessStore }),
      ...(callLogCopyStore === undefined ? {} : { callLogCopyStore }),
      // Process metrics (CPU, memory, event loop, GC) once per process, next to the app's own.
      metrics: createAppMetrics({ processMetrics: true }),
    });
    closers.push({ name: 'app', close: () => app.close() });
    await app.listen({ port: config.port, host: config.host });

    const open = config.publicOrigin;
    logger.info({ url: open, ringCentral: upstream.serverUrl }, 'rc-authflow is listening');
    if (config.ringCentral.serverUrl === undefined) {
      const demo = upstream.demoUsers?.find((u) => u.username === 'user1@example.com') ?? upstream.demoUsers?.[0];
      const who = demo ? `${demo.username} / ${demo.password}` : 'user1@example.com / Passw0rd!user';
      console.log(
        `\nOpen ${open} and log in as ${who} (built-in RingCentral emulator at ${upstream.authorizeBaseUrl ?? upstream.serverUrl})\n`,
      );
    } else {
      console.log(`\nOpen ${open} and log in with your RingCentral account (${config.ringCentral.serverUrl})\n`);
    }
  } catch (err) {
    logger.fatal({ err }, 'rc-authflow could not start');
    console.error(`rc-authflow could not start: ${err instanceof Error ? err.message : String(err)}`);
    await closeAll();
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      logger.flush();
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    void closeAll().then(() => {
      logger.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
