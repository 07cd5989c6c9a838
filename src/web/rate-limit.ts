/**
 * @module web/rate-limit
 * Per-client-IP rate limit on the routes that start or finish a login (`LOGIN_RATE_LIMIT`, default 60/min):
 * `/login`, the OAuth callback, and `/` + `/index` for visitors who are not logged in — each of those creates a
 * login transaction (a session record), so an unlimited flood would fill the session store. Logged-in users on
 * `/` and every other route are never counted. Built on `@fastify/rate-limit` (fixed window) with a store on the
 * app's injected clock, keyed by {@link clientKey} (IPv6 grouped by /56). The client IP is Fastify's `request.ip`,
 * which honours `TRUST_PROXY`: with the proxy off, spoofed `X-Forwarded-For` headers change nothing. How many
 * logins a client holds in progress at once is bounded too (`pending-logins.ts`).
 * Over the limit: 429 `RCAPP_TOO_MANY_LOGINS` (page or JSON) with `Retry-After`.
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Denial_of_Service_Cheat_Sheet.html
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LoginRateLimit } from '../config.js';
import { AppError, RCAPP_TOO_MANY_LOGINS } from '../errors.js';
import { clientKey } from './client-address.js';
import type { AppContext } from './context.js';

/** Largest number of client addresses tracked at once (least recently seen are dropped first). */
const MAX_TRACKED_CLIENTS = 10_000;

type StoreCallback = (error: Error | null, result: { current: number; ttl: number }) => void;

interface Window {
  current: number;
  startedAt: number;
}

/**
 * A fixed-window counter store for `@fastify/rate-limit` on an injected clock (the plugin's own store reads
 * `Date.now()`), bounded in size: a `Map` in insertion order, re-inserted on use, oldest dropped first.
 */
function clockStore(now: () => number, maxKeys: number) {
  return class ClockStore {
    readonly #windows = new Map<string, Window>();

    incr(key: string, callback: StoreCallback, windowMs: number): void {
      const t = now();
      let entry = this.#windows.get(key);
      if (entry === undefined || entry.startedAt + windowMs <= t) entry = { current: 0, startedAt: t };
      entry.current += 1;
      this.#windows.delete(key);
      this.#windows.set(key, entry);
      if (this.#windows.size > maxKeys) {
        const oldest = this.#windows.keys().next().value;
        if (oldest !== undefined) this.#windows.delete(oldest);
      }
      callback(null, { current: entry.current, ttl: entry.startedAt + windowMs - t });
    }

    read(key: string, callback: StoreCallback, windowMs: number): void {
      const t = now();
      const entry = this.#windows.get(key);
      if (entry === undefined || entry.startedAt + windowMs <= t) callback(null, { current: 0, ttl: 0 });
      else callback(null, { current: entry.current, ttl: entry.startedAt + windowMs - t });
    }

    child(): ClockStore {
      return new ClockStore();
    }
  };
}

/** The error a client over the limit gets. */
export function tooManyLogins(retryAfterSeconds: number): AppError {
  return new AppError(
    RCAPP_TOO_MANY_LOGINS,
    `too many login requests from your address; try again in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}

/**
 * Registers `@fastify/rate-limit` (not global) on `app`. Call before the routes' plugin; then call
 * {@link installLoginRateLimit} inside it.
 */
export function registerRateLimitPlugin(
  app: FastifyInstance,
  limit: LoginRateLimit | undefined,
  now: () => number,
): void {
  if (limit === undefined) return;
  void app.register(rateLimit, {
    global: false,
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => clientKey(request.ip),
    store: clockStore(now, MAX_TRACKED_CLIENTS),
  });
}

/**
 * Adds the limit to the login routes of `instance` (the plugin scope that holds the routes): call it before they
 * are registered. Only those routes get the hook, so no other route pays for it. A no-op when
 * `LOGIN_RATE_LIMIT=off`.
 */
export function installLoginRateLimit(instance: FastifyInstance, ctx: AppContext): void {
  if (ctx.config.loginRateLimit === undefined) return;
  const check = instance.createRateLimit();
  const always = new Set(['/login', ctx.config.callbackPath]);
  const whenAnonymous = new Set(['/', '/index']);

  async function limit(request: FastifyRequest): Promise<void> {
    const result = await check(request);
    // The error handler renders it (page or JSON by Accept) and sets `Retry-After`.
    if (!result.isAllowed && result.isExceeded) throw tooManyLogins(Math.max(1, result.ttlInSeconds));
  }
  const limitAlways = async (request: FastifyRequest): Promise<void> => limit(request);
  const limitAnonymous = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // Loaded once per request: the handler gets the same session from the per-request cache.
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens === undefined) await limit(request);
  };

  instance.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (!methods.includes('GET')) return;
    const hook = always.has(route.url) ? limitAlways : whenAnonymous.has(route.url) ? limitAnonymous : undefined;
    if (hook === undefined) return;
    route.preHandler = [...[route.preHandler ?? []].flat(), hook];
  });
}
