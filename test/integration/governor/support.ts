/**
 * @module test/integration/governor/support
 * App instances for the governor and readiness suites, wired as `server.ts` wires them: in-process by default, or
 * on one Redis (session store, refresh coordinator, rate-limit budgets and readiness counters all on the
 * instance's own connection, `SESSION_STORE=redis`). Each runs the real `createApp` on 127.0.0.1 and a free port,
 * its redirect URI registered with the emulator, every log line captured, and everything closed after the test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { createApp } from '../../../src/app.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createRedisBudgetStore } from '../../../src/redis/budget-store.js';
import type { GovernorSleep } from '../../../src/governor/rate-governor.js';
import { createLogger } from '../../../src/logging.js';
import { createRedisReadinessStore } from '../../../src/redis/readiness-store.js';
import { openRedisBackend } from '../../../src/redis/redis-backend.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { assets } from '../../../src/web/assets/index.js';
import { createViews } from '../../../src/web/views/index.js';
import { TEST_SESSION_SECRETS } from '../../helpers/app.js';
import type { HttpClient } from '../../helpers/http-client.js';
import { testRedisOf, type TestRedis } from '../../helpers/redis-topology.js';

/** A running instance. */
export interface GovernedApp {
  readonly url: string;
  readonly config: Readonly<Config>;
  readonly logLines: string[];
}

/** Options of {@link startGovernedApp}. */
export interface GovernedAppOptions {
  readonly emulator: { readonly url: string; registerRedirectUri(uri: string): void };
  /** Share sessions, budgets and readiness counters on this Redis (a URL, or any topology). Default: in process. */
  readonly redis?: { readonly url: string | TestRedis; readonly keyPrefix: string };
  readonly env?: Record<string, string>;
  readonly now?: () => number;
  readonly governorSleep?: GovernorSleep;
}

/** Starts one instance. */
export async function startGovernedApp(t: TestContext, options: GovernedAppOptions): Promise<GovernedApp> {
  const server = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  const url = `http://127.0.0.1:${port}`;
  const redis =
    options.redis === undefined
      ? undefined
      : typeof options.redis.url === 'string'
        ? testRedisOf(options.redis.url)
        : options.redis.url;
  const config = loadConfig({
    RC_SERVER_URL: options.emulator.url,
    RC_CLIENT_ID: 'demo-client-id',
    RC_CLIENT_SECRET: 'demo-client-secret',
    RC_REDIRECT_URL: `${url}/oauth2callback`,
    PORT: String(port),
    SESSION_STORE: options.redis === undefined ? 'memory' : 'redis',
    ...(options.redis === undefined || redis === undefined
      ? {}
      : { ...redis.env, REDIS_KEY_PREFIX: options.redis.keyPrefix }),
    SESSION_SECRETS: TEST_SESSION_SECRETS.join(','),
    LOG_LEVEL: 'info',
    UPSTREAM_TIMEOUT_MS: '5000',
    LOGIN_RATE_LIMIT: 'off',
    ...options.env,
  });
  options.emulator.registerRedirectUri(config.ringCentral.redirectUrl);
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(line);
      done();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination });
  const now = options.now ?? Date.now;
  let shared = {};
  let store;
  if (options.redis !== undefined) {
    const { keyPrefix } = options.redis;
    const backend = await openRedisBackend({
      redis: config.session.redis ?? redis?.settings,
      keyPrefix,
      commandTimeoutMs: 2_000,
    });
    store = backend.store;
    shared = {
      refreshCoordinator: backend.coordinator,
      rateLimitStore: createRedisBudgetStore({ client: backend.client, keyPrefix }),
      readinessStore: createRedisReadinessStore({ client: backend.client, keyPrefix, now, logger }),
    };
  } else {
    store = createMemoryStore({ now });
  }
  const app = createApp({
    config,
    logger,
    store,
    sessionSecrets: TEST_SESSION_SECRETS,
    views: createViews(),
    assets,
    upstream: { serverUrl: options.emulator.url, label: 'the test emulator' },
    now,
    ...shared,
    ...(options.governorSleep === undefined ? {} : { governorSleep: options.governorSleep }),
  });
  await app.ready();
  server.on('request', (req, res) => app.routing(req, res));
  t.after(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await app.close();
    await store.close();
  });
  return { url, config, logLines };
}

/** A client for `url` carrying the cookies of `loggedIn` (cookies are per host, not per port). */
export function sameBrowserOn(url: string, loggedIn: HttpClient, make: (url: string) => HttpClient): HttpClient {
  const browser = make(url);
  for (const [name, value] of loggedIn.jar) browser.jar.set(name, value);
  return browser;
}
