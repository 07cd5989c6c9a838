/**
 * @module test/helpers/app
 * `startTestApp(t, { emulator, ... })`: the real app (`createApp`) on 127.0.0.1 and a free port, pointed at a
 * running emulator with the app's redirect URI registered there, a memory session store by default, and every
 * log line captured. Everything is closed in `t.after`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from 'undici';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { createMemoryStore } from '../../src/session/memory-store.js';
import type { SessionStore } from '../../src/session/store.js';
import { assets } from '../../src/web/assets/index.js';
import type { RefreshCoordinator } from '../../src/web/refresh-coordinator.js';
import { createViews } from '../../src/web/views/index.js';

/** Default test secrets (≥ 32 chars each). */
export const TEST_SESSION_SECRETS = ['test-session-secret-0123456789-abcdefghij'];

/** What the app needs to know about the emulator. */
export interface EmulatorLike {
  readonly url: string;
  registerRedirectUri(uri: string): void;
}

export interface TestAppOptions {
  readonly emulator: EmulatorLike;
  /** Default: a fresh memory store (closed with the app unless `keepStore`). */
  readonly store?: SessionStore;
  /** Do not close `store` on teardown (e.g. a restart test reopens it). */
  readonly keepStore?: boolean;
  /** Extra environment variables for `loadConfig` (override the defaults). */
  readonly env?: Record<string, string>;
  readonly sessionSecrets?: readonly string[];
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  readonly dispatcher?: Dispatcher;
  readonly refreshCoordinator?: RefreshCoordinator;
}

export interface TestApp {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly config: Readonly<Config>;
  readonly store: SessionStore;
  readonly sessionSecrets: readonly string[];
  /** Every log line so far (raw JSON text). */
  readonly logLines: string[];
  /** Stops the app (and the store unless kept); safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the app on 127.0.0.1:0. The raw server listens first so the redirect URI can name the real port;
 * the app is then attached with `app.routing`.
 */
export async function startTestApp(t: TestContext | undefined, options: TestAppOptions): Promise<TestApp> {
  const server = createServer();
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  const sessionSecrets = options.sessionSecrets ?? TEST_SESSION_SECRETS;
  const config = loadConfig({
    RC_SERVER_URL: options.emulator.url,
    RC_CLIENT_ID: 'demo-client-id',
    RC_CLIENT_SECRET: 'demo-client-secret',
    RC_REDIRECT_URL: `${url}/oauth2callback`,
    PORT: String(port),
    SESSION_STORE: 'memory',
    SESSION_SECRETS: sessionSecrets.join(','),
    LOG_LEVEL: 'info',
    UPSTREAM_TIMEOUT_MS: '5000',
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
  const store = options.store ?? createMemoryStore({ now: options.now ?? Date.now });
  const app = createApp({
    config,
    logger: createLogger({ level: config.logLevel, destination }),
    store,
    sessionSecrets,
    views: createViews(),
    assets,
    upstream: { serverUrl: options.emulator.url, label: 'the test emulator' },
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.refreshCoordinator === undefined ? {} : { refreshCoordinator: options.refreshCoordinator }),
  });
  await app.ready();
  server.on('request', (req, res) => app.routing(req, res));

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await app.close();
    if (options.keepStore !== true) await store.close();
  };
  t?.after(close);
  return { url, app, config, store, sessionSecrets, logLines, close };
}
