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
import type { ExplorerOptions } from '../../src/web/explorer/call-log-explorer.js';
import type { CallLogCopyStore } from '../../src/web/explorer/copy-store.js';
import type { GovernorSleep } from '../../src/governor/rate-governor.js';
import type { RefreshCoordinator } from '../../src/ringcentral/refresh-coordinator.js';
import { createViews } from '../../src/web/views/index.js';
import { logSpyEnabled, recordCookieValue, recordSecrets, spyOnFetch, teeLogLines } from './log-spy.js';

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
  /** Call-log explorer tunables (e.g. a small export page size). */
  readonly explorer?: ExplorerOptions;
  /** The rate-limit governor's waits (e.g. a sleep that moves the emulator clock). Default: real timers. */
  readonly governorSleep?: GovernorSleep;
  /** Where users' call-log copies live. Default: in the app's process. */
  readonly callLogCopyStore?: CallLogCopyStore;
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
  /** Every route the app registered (method + URL pattern), in registration order. */
  readonly routes: readonly { readonly method: string; readonly url: string }[];
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
  // The suite-wide log spy (scripts/run-tests.mjs): every line is also written where the spy scans.
  const tee = teeLogLines('test-app');
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        logLines.push(line);
        tee?.write(line);
      }
      done();
    },
  });
  const clientSecret = config.ringCentral.clientSecret;
  recordSecrets(
    ...sessionSecrets,
    clientSecret,
    clientSecret === undefined
      ? undefined
      : Buffer.from(`${config.ringCentral.clientId}:${clientSecret}`).toString('base64'),
  );
  const appFetch = logSpyEnabled() ? spyOnFetch(options.fetch ?? fetch) : options.fetch;
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
    ...(appFetch === undefined ? {} : { fetch: appFetch }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
    ...(options.refreshCoordinator === undefined ? {} : { refreshCoordinator: options.refreshCoordinator }),
    ...(options.explorer === undefined ? {} : { explorer: options.explorer }),
    ...(options.governorSleep === undefined ? {} : { governorSleep: options.governorSleep }),
    ...(options.callLogCopyStore === undefined ? {} : { callLogCopyStore: options.callLogCopyStore }),
  });
  const routes: { method: string; url: string }[] = [];
  // Added before ready(): the route plugins load at ready() and inherit the hook, so no route escapes the list.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  if (tee !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      // Authorization codes RingCentral sent back (random-looking ones: test-chosen values would match by chance).
      const q = request.url.indexOf('?');
      const code = q === -1 ? null : new URLSearchParams(request.url.slice(q + 1)).get('code');
      if (code !== null && /^[A-Za-z0-9_-]{40,}$/.test(code)) recordSecrets(code);
      for (const header of [reply.getHeader('set-cookie') ?? []].flat()) {
        const pair = String(header).split(';', 1)[0] ?? '';
        const eq = pair.indexOf('=');
        if (eq > 0) recordCookieValue(pair.slice(eq + 1));
      }
      done();
    });
  }
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
    tee?.flush();
  };
  t?.after(close);
  return { url, app, config, store, sessionSecrets, logLines, routes, close };
}
