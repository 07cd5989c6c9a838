/**
 * @module app
 * `createApp(deps)`: builds the Fastify app (plugins, security headers, session cookie, routes, error handling)
 * from explicit dependencies. It never listens and reads no environment: `server.ts` and the tests do the wiring.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { allowsInsecureRequests, type Config } from './config.js';
import { createRequestLogger, generateRequestId, RequestLogController } from './logging.js';
import { createAppMetrics, type AppMetrics } from './metrics/app-metrics.js';
import { installHttpMetrics } from './metrics/http-metrics.js';
import { measureSessionStore } from './session/measured-store.js';
import { ringCentralCallCounter } from './metrics/ringcentral-calls.js';
import { createOAuthClient } from './oauth/client.js';
import { createMemoryBudgetStore, type BudgetStore } from './governor/budget-store.js';
import { createGovernorMetrics } from './governor/governor-metrics.js';
import { createRateGovernor, type GovernorSleep } from './governor/rate-governor.js';
import { readinessCounter } from './readiness/readiness-listener.js';
import { createMemoryReadinessStore, type ReadinessStore } from './readiness/readiness-store.js';
import { createRingCentral } from './ringcentral/client.js';
import type { RefreshCoordinator } from './ringcentral/refresh-coordinator.js';
import { createTransport } from './ringcentral/transport.js';
import { createSessionCipher, deriveKey } from './session/cipher.js';
import { SessionManager } from './session/session-manager.js';
import type { SessionStore } from './session/store.js';
import type { Asset } from './web/assets/index.js';
import type { AppContext, DemoUser } from './web/context.js';
import { createFrameworkErrorHandler } from './web/bad-url.js';
import { installErrorHandlers } from './web/error-handler.js';
import { createChartCache, explorerSettings, type ExplorerOptions } from './web/explorer/call-log-explorer.js';
import { createMemoryCopyStore, type CallLogCopyStore } from './web/explorer/copy-store.js';
import { lazySchemaCompilers } from './web/lazy-schema-compilers.js';
import { installGracefulClose } from './web/graceful-close.js';
import { parseQuery } from './web/query.js';
import { createPendingLogins } from './web/pending-logins.js';
import { installLoginRateLimit, registerRateLimitPlugin } from './web/rate-limit.js';
import { buildSecurityHeaders } from './web/security-headers.js';
import { registerAdminRoutes } from './web/routes/admin.js';
import { registerApiRoute } from './web/routes/api.js';
import { registerBffRoutes } from './web/routes/bff.js';
import { registerContactsRoute } from './web/routes/contacts.js';
import { registerExportRoute } from './web/routes/export.js';
import { registerAssetRoutes } from './web/routes/assets.js';
import { registerCallbackRoute } from './web/routes/callback.js';
import { registerHealthRoutes } from './web/routes/health.js';
import { registerHomeRoutes } from './web/routes/home.js';
import { registerLoginRoute } from './web/routes/login.js';
import { registerLogoutRoutes } from './web/routes/logout.js';
import { registerMetricsRoute } from './web/routes/metrics.js';
import { registerProfileRoute } from './web/routes/profile.js';
import type { Views } from './web/views/models.js';
import { COOKIE_SIGNING_LABEL, createWebSessions, REQUEST_SESSION } from './web/web-sessions.js';

/** A login must come back from RingCentral within this time; also the idle timeout of a session without tokens. */
export const LOGIN_TIMEOUT_MS = 10 * 60 * 1000;

/** Sessions kept opened in memory, with the embedded store or Redis with tracking (about 1 KB each; see `session/session-cache.ts`). */
export const SESSION_CACHE_SIZE = 2_000;

/** Where RingCentral is for this app instance (the emulator's URL is known only once it runs). */
export interface UpstreamInfo {
  /** Origin for server-to-server calls (token, revoke, REST). */
  readonly serverUrl: string;
  /** Origin the browser is sent to for login; defaults to `serverUrl`. */
  readonly authorizeBaseUrl?: string;
  /** For page text, e.g. "the built-in RingCentral emulator". */
  readonly label: string;
  /** Demo accounts for the login page (emulator only). */
  readonly demoUsers?: readonly DemoUser[];
}

/** Everything `createApp` needs. */
export interface AppDeps {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly store: SessionStore;
  /** The resolved `SESSION_SECRETS` (generated ones included): the first signs and encrypts, all verify. */
  readonly sessionSecrets: readonly string[];
  readonly views: Views;
  readonly assets: readonly Asset[];
  readonly upstream: UpstreamInfo;
  /** For the OAuth calls; default global `fetch`. */
  readonly fetch?: typeof fetch;
  /** For the REST calls instead of the app's own keep-alive pool (tests: undici `MockAgent`). */
  readonly dispatcher?: Dispatcher;
  readonly now?: () => number;
  /** Default: single-flight inside this process. */
  readonly refreshCoordinator?: RefreshCoordinator;
  /** This instance's Prometheus metrics (`GET /metrics`). Default: a fresh registry without process metrics. */
  readonly metrics?: AppMetrics;
  /** Call-log explorer tunables (chart budget, export page size). */
  readonly explorer?: ExplorerOptions;
  /** Where RingCentral rate-limit budgets live (Redis: shared by all instances). Default: in this process. */
  readonly rateLimitStore?: BudgetStore;
  /** Where users' call-log copies live (Redis: shared by all instances). Default: in this process. */
  readonly callLogCopyStore?: CallLogCopyStore;
  /** Where the readiness report's counters live (Redis: shared by all instances). Default: in this process. */
  readonly readinessStore?: ReadinessStore;
  /** The rate-limit governor's waits (tests). Default: real timers. */
  readonly governorSleep?: GovernorSleep;
}

/** Builds the app. Call `ready()`/`listen()` on the result; `close()` releases the RingCentral connection pool. */
export function createApp(deps: AppDeps): FastifyInstance {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const serverUrl = new URL(deps.upstream.serverUrl).origin;
  const authorizeBaseUrl = new URL(deps.upstream.authorizeBaseUrl ?? serverUrl).origin;
  const metrics = deps.metrics ?? createAppMetrics();
  const store = measureSessionStore(deps.store, metrics);
  // RingCentral's rules: every call waits for its user's rate-limit slot, and is counted for the readiness report.
  const budgets = deps.rateLimitStore ?? createMemoryBudgetStore({ now });
  const governor = createRateGovernor({
    store: budgets,
    maxWaitMs: config.rateLimitMaxWaitMs,
    now,
    metrics: createGovernorMetrics(metrics.registry),
    logger,
    ...(deps.governorSleep === undefined ? {} : { sleep: deps.governorSleep }),
  });
  const readiness = deps.readinessStore ?? createMemoryReadinessStore({ now });

  const manager = new SessionManager({
    store,
    cipher: createSessionCipher(deps.sessionSecrets),
    idleTimeoutMs: config.session.idleTimeoutSeconds * 1000,
    absoluteTimeoutMs: config.session.absoluteTimeoutSeconds * 1000,
    anonymousIdleTimeoutMs: LOGIN_TIMEOUT_MS,
    // Busy sessions are kept opened in memory when only this process writes the store (the embedded store: LevelDB
    // locks it), or when the shared store reports every change other instances make (Redis with tracking);
    // otherwise every request reads its session, as another instance may have changed or ended it.
    cacheSize: deps.store.kind === 'embedded' || deps.store.changes !== undefined ? SESSION_CACHE_SIZE : 0,
    ...(deps.store.changes === undefined ? {} : { changes: deps.store.changes }),
    now,
  });
  const oauth = createOAuthClient({
    serverUrl,
    authorizeBaseUrl,
    clientId: config.ringCentral.clientId,
    clientSecret: config.ringCentral.clientSecret,
    redirectUri: config.ringCentral.redirectUrl,
    allowInsecureRequests: allowsInsecureRequests(serverUrl, config.ringCentral.allowInsecureHttp),
    timeoutMs: config.upstreamTimeoutMs,
    now,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const ringcentral = createRingCentral({
    transport: createTransport({
      serverUrl,
      timeoutMs: config.upstreamTimeoutMs,
      ...(deps.dispatcher === undefined ? {} : { dispatcher: deps.dispatcher }),
    }),
    oauth,
    sessions: manager,
    governor,
    ...(deps.refreshCoordinator === undefined ? {} : { coordinator: deps.refreshCoordinator }),
    listeners: [ringCentralCallCounter(metrics), readinessCounter(readiness)],
    onRefreshOutcome: (outcome) => metrics.refreshes[outcome].inc(),
    now,
    logger,
  });
  const settings = explorerSettings(deps.explorer);
  const ctx: AppContext = {
    config,
    logger,
    views: deps.views,
    assets: deps.assets,
    sessions: createWebSessions({ manager, secure: config.cookieSecure }),
    store,
    ringcentral,
    oauth,
    now,
    upstreamLabel: deps.upstream.label,
    demoUsers: deps.upstream.demoUsers,
    loginTimeoutMs: LOGIN_TIMEOUT_MS,
    pendingLogins:
      config.loginRateLimit === undefined
        ? undefined
        : createPendingLogins({ max: config.loginRateLimit.max, ttlMs: LOGIN_TIMEOUT_MS, now }),
    explorer: {
      settings,
      charts: createChartCache(settings, now),
      copies: deps.callLogCopyStore ?? createMemoryCopyStore({ now }),
    },
    errorFixes: {
      redirectUrl: config.ringCentral.redirectUrl,
      clientId: config.ringCentral.clientId,
      publicClient: config.ringCentral.clientSecret === undefined,
    },
  };

  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    logController: new RequestLogController(logger),
    childLoggerFactory: createRequestLogger,
    genReqId: generateRequestId,
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(config.trustProxy)
        : config.trustProxy,
    routerOptions: { querystringParser: parseQuery },
    bodyLimit: 16 * 1024,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // No route declares a schema: Fastify's compilers (Ajv, ~70 ms to load) are loaded only if one ever does.
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // Undecodable URLs: the app's own 400 instead of Fastify's JSON that echoes the path.
    frameworkErrors: createFrameworkErrorHandler(ctx, () => securityHeaders),
  });

  void app.register(cookie, {
    // One signing key per secret, derived apart from the encryption keys: the first signs, all verify.
    secret: deps.sessionSecrets.map((secret) => deriveKey(secret, COOKIE_SIGNING_LABEL)),
    hook: 'onRequest',
  });
  // Where each request keeps the session it loaded (web/web-sessions.ts), declared so every request has the slot.
  app.decorateRequest(REQUEST_SESSION, null);
  // The only body the app reads is the logout form (urlencoded, or JSON from scripts): nothing else is parsed.
  app.removeContentTypeParser('text/plain');
  void app.register(formbody, { bodyLimit: 4096 });
  const securityHeaders = buildSecurityHeaders({
    authorizeOrigin: authorizeBaseUrl,
    https: config.publicOrigin.startsWith('https:'),
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(securityHeaders);
    reply.header('x-request-id', request.id);
    // Every dynamic response may carry a session cookie or user data; the asset route overrides this.
    reply.header('cache-control', 'no-store');
    done();
  });
  app.addHook('onClose', async () => {
    await ringcentral.close();
    // What the Redis stores hold back (answered calls, readiness counts) is written before the connection closes.
    await Promise.all([budgets.flush(), readiness.flush()]);
  });
  installGracefulClose(app);
  installHttpMetrics(app, metrics);

  installErrorHandlers(app, ctx);
  registerRateLimitPlugin(app, config.loginRateLimit, now);
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify plugins are async functions
  void app.register(async (instance) => {
    installLoginRateLimit(instance, ctx);
    registerHomeRoutes(instance, ctx);
    registerLoginRoute(instance, ctx);
    registerCallbackRoute(instance, ctx);
    registerApiRoute(instance, ctx);
    registerProfileRoute(instance, ctx);
    registerExportRoute(instance, ctx);
    registerBffRoutes(instance, ctx);
    registerContactsRoute(instance, ctx);
    registerLogoutRoutes(instance, ctx);
    registerHealthRoutes(instance, ctx);
    registerMetricsRoute(instance, ctx, { metrics, token: config.metricsToken });
    registerAdminRoutes(instance, ctx, { token: config.adminToken, readiness });
    registerAssetRoutes(instance, ctx);
  });
  return app;
}
