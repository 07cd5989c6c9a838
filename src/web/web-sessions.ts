/**
 * @module web/web-sessions
 * Cookie ↔ session glue. The cookie carries only the session id, HMAC-signed (`@fastify/cookie` with keys derived
 * from `SESSION_SECRETS`: the first signs, all verify). A cookie that is missing, oversize, badly signed or names
 * no live session simply means "no session" — never an error. A store failure is a 503.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RCAPP_SESSION_STORE_UNAVAILABLE } from '../errors.js';
import { SessionBusyError, type Session, type SessionManager } from '../session/session-manager.js';

/** HKDF label of the cookie-signing key (independent of the session-encryption key). */
export const COOKIE_SIGNING_LABEL = 'rc-authflow cookie-signing v1';

/** A signed id is ~90 characters; anything much longer is not ours. */
const MAX_COOKIE_LENGTH = 256;

/** Signed cookies whose signature was checked, remembered so a busy browser's cookie is not re-HMACed per request. */
const VERIFIED_COOKIES_MAX = 10_000;

/** Options of {@link createWebSessions}. */
export interface WebSessionsOptions {
  readonly manager: SessionManager;
  /** Adds `Secure` and the `__Host-` name prefix. */
  readonly secure: boolean;
}

/** Per-request session access for route handlers. */
export interface WebSessions {
  readonly cookieName: string;
  readonly manager: SessionManager;
  /** Cookie attributes, pinned (`HttpOnly; SameSite=Lax; Path=/`, `Secure` when configured). */
  readonly cookieOptions: {
    readonly path: '/';
    readonly httpOnly: true;
    readonly sameSite: 'lax';
    readonly secure: boolean;
  };
  /**
   * The request's session, or `undefined`. Loaded once per request, and its idle deadline moved (throttled by the
   * manager: at most one store write a minute per session; best effort, a store hiccup there is only logged).
   */
  load(request: FastifyRequest, reply: FastifyReply): Promise<Session | undefined>;
  /** The session `load` found for this request, without loading (for error pages). */
  cached(request: FastifyRequest): Session | undefined;
  /**
   * Applies `change` and stores the session with compare-and-set (see `SessionManager.update`), and (re)sets the
   * cookie when its id is not the one the browser sent. Resolves to the session as stored, or `undefined` when it
   * ended meanwhile (it is not recreated).
   */
  update(
    request: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    change: (session: Session) => boolean,
  ): Promise<Session | undefined>;
  /**
   * Moves the session to a new id (against session fixation: see `SessionManager.regenerate`), stores it, removes
   * the old id and sets the cookie to the new one.
   */
  regenerate(reply: FastifyReply, session: Session): Promise<Session>;
  /** Sets the cookie to `id`. */
  setCookie(reply: FastifyReply, id: string): void;
  /** Destroys the session in the store and clears the cookie. */
  end(reply: FastifyReply, id: string): Promise<void>;
  /** Clears the cookie only. */
  clearCookie(reply: FastifyReply): void;
}

/** The 503 of a session store that cannot be reached (or a session that kept changing under a write). */
export function storeUnavailable(cause: unknown): AppError {
  if (cause instanceof SessionBusyError) {
    return new AppError(RCAPP_SESSION_STORE_UNAVAILABLE, 'your session is busy with another request; try again', {
      cause,
    });
  }
  return new AppError(RCAPP_SESSION_STORE_UNAVAILABLE, 'the session store is not available; try again shortly', {
    cause,
  });
}

/** The session cookie's id and the session it loaded, once per request. */
export interface LoadedSession {
  readonly id: string | undefined;
  readonly session: Session | undefined;
}

/** The request property that holds the {@link LoadedSession} (declare it with `app.decorateRequest(…, null)`). */
export const REQUEST_SESSION = 'rcafSession';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's session, once loaded (`web/web-sessions.ts`); null before. */
    [REQUEST_SESSION]: LoadedSession | null;
  }
}

/** Creates the glue for one app instance (no module-level state). */
export function createWebSessions(options: WebSessionsOptions): WebSessions {
  const { manager } = options;
  const cookieName = options.secure ? '__Host-rcsid' : 'rcsid';
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure } as const;
  // The per-request cache is `request[REQUEST_SESSION]`, on the request object itself (`decorateRequest` in
  // app.ts): it goes away with the request. Not a WeakMap keyed by the request: V8's young-generation GC keeps a
  // WeakMap's values alive until a full GC, so every request's session was promoted to the old generation (the
  // allocation profile showed it).
  // Exact signed strings that verified, and what they verified to. Only valid signatures are kept (so garbage
  // cannot fill it), the oldest entry goes first, and a hit needs the very string whose HMAC was checked.
  const verified = new Map<string, { value: string; renew: boolean }>();

  function verify(request: FastifyRequest, raw: string): { value: string; renew: boolean } | undefined {
    const known = verified.get(raw);
    if (known !== undefined) return known;
    const result = request.unsignCookie(raw);
    if (!result.valid || result.value === null) return undefined;
    const entry = { value: result.value, renew: result.renew };
    verified.set(raw, entry);
    if (verified.size > VERIFIED_COOKIES_MAX) {
      const oldest = verified.keys().next();
      if (oldest.done !== true) verified.delete(oldest.value);
    }
    return entry;
  }

  function cookieId(request: FastifyRequest, reply: FastifyReply): string | undefined {
    const raw = request.cookies[cookieName];
    if (raw === undefined || raw === '' || raw.length > MAX_COOKIE_LENGTH) return undefined;
    const result = verify(request, raw);
    if (result === undefined) return undefined;
    // Signed with an older key (rotation): re-sign with the current one.
    if (result.renew) reply.setCookie(cookieName, result.value, { ...cookieOptions, signed: true });
    return result.value;
  }

  const sessions: WebSessions = {
    cookieName,
    manager,
    cookieOptions,
    async load(request, reply) {
      const cached = request[REQUEST_SESSION];
      if (cached) return cached.session;
      const id = cookieId(request, reply);
      let session: Session | undefined;
      if (id !== undefined) {
        try {
          session = await manager.load(id);
        } catch (err) {
          throw storeUnavailable(err);
        }
      }
      request[REQUEST_SESSION] = { id, session };
      if (session !== undefined) {
        try {
          await manager.touch(session);
        } catch (err) {
          request.log.warn({ err }, 'could not extend the session (store unavailable)');
        }
      }
      return session;
    },
    cached(request) {
      return request[REQUEST_SESSION]?.session;
    },
    async update(request, reply, session, change) {
      let stored: Session | undefined;
      try {
        stored = await manager.update(session, change);
      } catch (err) {
        throw storeUnavailable(err);
      }
      const cached = request[REQUEST_SESSION];
      if (stored === undefined) {
        if (cached?.id === session.id) request[REQUEST_SESSION] = { id: session.id, session: undefined };
        return undefined;
      }
      if (cached?.id !== stored.id) sessions.setCookie(reply, stored.id);
      request[REQUEST_SESSION] = { id: stored.id, session: stored };
      return stored;
    },
    async regenerate(reply, session) {
      let fresh: Session;
      try {
        fresh = await manager.regenerate(session);
      } catch (err) {
        throw storeUnavailable(err);
      }
      sessions.setCookie(reply, fresh.id);
      return fresh;
    },
    setCookie(reply, id) {
      reply.setCookie(cookieName, id, { ...cookieOptions, signed: true });
    },
    async end(reply, id) {
      try {
        await manager.destroy(id);
      } catch (err) {
        throw storeUnavailable(err);
      }
      sessions.clearCookie(reply);
    },
    clearCookie(reply) {
      reply.clearCookie(cookieName, cookieOptions);
    },
  };
  return sessions;
}
