/**
 * @module emulator
 * A local RingCentral look-alike for the flows rc-authflow uses: OAuth 2.0 authorization code (+ PKCE plain/S256),
 * refresh with rotation and RingCentral's grace rules, revoke, the four quick-start REST endpoints with paging,
 * account info, presence, the personal address book and Call Log Sync (`rest.ts`), RingCentral error shapes,
 * per-user rate limits and CORS, plus a control API under `/__emulator/`.
 *
 * `buildEmulator()` returns a Fastify instance for `inject()` tests (its state via {@link emulatorStateOf});
 * `startEmulator()` listens (port 0 allowed) and returns `{ url, close, registerRedirectUri, state }`.
 * The app (`src/`) never imports this module; only `src/server.ts` starts it.
 *
 * @see ringcentral-contract.md §1–§6, §9
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';

import { registerControlRoutes } from './control.js';
import { EmulatorHttpError, genericError, oauthError, restError } from './errors.js';
import { sendError, sendPreflight, setCommonHeaders } from './http.js';
import { registerOAuthRoutes } from './oauth.js';
import { parseParams } from './params.js';
import type { GroupLimit, RateLimitGroup } from './rate-limit.js';
import { registerRestRoutes } from './rest.js';
import { createEmulatorState, type EmulatorState } from './state.js';
import { unsupportedMediaType } from './token-endpoint.js';

export { DEMO, type DemoUser } from './demo.js';
export type { EmulatorState } from './state.js';
export type { RateLimitGroup, GroupLimit } from './rate-limit.js';
export type { FaultRoute, FaultRule } from './faults.js';

/** One response the emulator sent (for {@link EmulatorOptions.onResponse}, e.g. OpenAPI validation in tests). */
export interface ResponseRecord {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** The spec operation (`getToken`, `listExtensions`, ...), absent for unknown routes and the control API. */
  readonly operationId?: string;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Options of {@link buildEmulator} / {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on (startEmulator only); default 0 (a free port). */
  port?: number;
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Extra redirect URIs registered for BOTH demo apps (exact match). */
  redirectUris?: string[];
  /** Fastify logger option; default `false` (nothing logged per request). Query strings are never logged. */
  logger?: boolean | object;
  /** Seed of the demo data (default fixed, so data is the same on every run for the same clock). */
  seed?: number;
  /** Real time source (default `Date.now`); the emulator clock adds the control API's offset. */
  now?: () => number;
  /** Rate-limit settings to start with (and to return to on reset), per group. */
  limits?: Partial<Record<RateLimitGroup, Partial<GroupLimit>>>;
  /** Called for every response sent (method, path, operationId, status, body). Costs a hook; tests only. */
  onResponse?: (record: ResponseRecord) => void;
  /**
   * Keep the OAuth state (clock offset, codes, sessions, tokens with their rotation state), the address books and
   * the call records added through the control API in `<dataDir>/emulator/state.json` (directory 0700, file 0600),
   * loaded at start and saved after changes and on close, so logins and writes survive a restart. Unset: memory only.
   */
  dataDir?: string;
  /** Problems with the saved state (unreadable file, failed save); default: a process warning. Never a token. */
  onWarning?: (message: string) => void;
}

/** A listening emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
  /** Adds an exact redirect URI to both demo apps at run time. */
  registerRedirectUri(uri: string): void;
  /** In-process access to clock, data, tokens, limits, faults and stats. */
  readonly state: EmulatorState;
  /** The underlying Fastify instance. */
  readonly app: FastifyInstance;
}

const states = new WeakMap<FastifyInstance, EmulatorState>();

/** The state of an instance made by {@link buildEmulator}. */
export function emulatorStateOf(app: FastifyInstance): EmulatorState {
  const state = states.get(app);
  if (state === undefined) throw new TypeError('not an emulator instance');
  return state;
}

function loggerOption(logger: boolean | object | undefined): boolean | object {
  if (logger === undefined || logger === false) return false;
  // Query strings carry codes, tokens and state: log paths only, and never headers.
  const serializers = {
    req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? '').split('?', 1)[0] }),
  };
  return logger === true ? { level: 'info', serializers } : { ...logger, serializers };
}

function isOAuthPath(url: string): boolean {
  return url.startsWith('/restapi/oauth/');
}

function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof EmulatorHttpError) return sendError(reply, error);
  const oauth = isOAuthPath(request.url);
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return sendError(reply, oauth ? unsupportedMediaType() : genericError(415));
  }
  if (status === 413) {
    return sendError(
      reply,
      oauth ? oauthError(413, 'invalid_request', 'CMN-104', 'Request entity is too large') : genericError(413),
    );
  }
  if (status >= 400 && status < 500) {
    const json = error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
    if (oauth) return sendError(reply, oauthError(400, 'invalid_request', 'CMN-104', 'Cannot parse request'));
    return sendError(reply, json ? restError(400, 'CMN-103', "JSON can't be parsed.") : genericError(status));
  }
  request.log.error({ err: { type: error.name, code: error.code } }, 'emulator: unexpected error');
  return sendError(reply, genericError(500));
}

/** The emulator's schema compilers: none (see {@link buildEmulator}); a route that declared a schema fails at start. */
function noSchemas(): never {
  throw new Error('emulator routes declare no JSON schema: check their input with zod');
}

/** Builds an emulator (not listening). Use `inject()` or `listen()`; reach its state with {@link emulatorStateOf}. */
export function buildEmulator(opts: EmulatorOptions = {}): FastifyInstance {
  const state = createEmulatorState({
    ...(opts.redirectUris !== undefined ? { redirectUris: opts.redirectUris } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.limits !== undefined ? { limits: opts.limits } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.onWarning !== undefined ? { onWarning: opts.onWarning } : {}),
  });
  const app = Fastify({
    logger: loggerOption(opts.logger),
    bodyLimit: 65_536,
    // No route declares a JSON schema (requests are checked with zod), so Fastify's compilers (Ajv and
    // fast-json-stringify, ~100 ms to load, a tenth of the app's start with the built-in emulator) are never loaded.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
    routerOptions: {
      ignoreTrailingSlash: true,
      maxParamLength: 256,
      querystringParser: (s: string) => parseParams(s),
    },
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      // Answered before the onRequest hook, so the common headers (nosniff) are set here too.
      setCommonHeaders(request, reply);
      void sendError(reply, status === 400 ? restError(400, 'CMN-120', 'Invalid URI') : genericError(status));
    },
  });
  states.set(app, state);

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    state.stats.increment('notFound');
    return sendError(reply, restError(404, 'AGW-404', 'Resource not found'));
  });

  if (opts.onResponse !== undefined) {
    const observe = opts.onResponse;
    app.addHook('onSend', (request, reply, payload, done) => {
      const config = request.routeOptions.config as { operationId?: string } | undefined;
      observe({
        method: request.method,
        path: request.url.split('?', 1)[0] ?? '',
        ...(config?.operationId !== undefined ? { operationId: config.operationId } : {}),
        status: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        body: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
      });
      done(null, payload);
    });
  }

  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/__emulator')) setCommonHeaders(request, reply);
    done();
  });
  app.addHook('preClose', (done) => {
    state.faults.releaseDelays();
    done();
  });
  // After the last request has finished: save what it changed.
  app.addHook('onClose', () => state.close());

  // RingCentral surface: form bodies (OAuth endpoints answer 415 to anything else); the REST routes that take JSON
  // bodies register their own parsers in a child scope (`json-body.ts`).
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(formbody, { bodyLimit: 16_384, parser: (s: string) => parseParams(s) });
    scope.options('/restapi/*', (_request, reply) => sendPreflight(reply));
    registerOAuthRoutes(scope, state);
    registerRestRoutes(scope, state);
  });
  void app.register(
    async (scope) => {
      registerControlRoutes(scope, state);
      await Promise.resolve();
    },
    { prefix: '/__emulator' },
  );
  return app;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Builds and starts an emulator on `opts.port` (default 0 = free port) and `opts.host` (default 127.0.0.1). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const app = buildEmulator(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? 0);
  const state = emulatorStateOf(app);
  return {
    url: `http://${urlHost(host)}:${port}`,
    state,
    app,
    registerRedirectUri: (uri: string) => state.apps.registerRedirectUri(uri),
    close: async () => {
      state.faults.releaseDelays();
      await app.close();
    },
  };
}
