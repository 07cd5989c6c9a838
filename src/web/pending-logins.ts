/**
 * @module web/pending-logins
 * A bound on the logins in progress one client holds at once. Each login a browser without a session starts is a
 * session record (its `state` and PKCE verifier) that lives until the callback takes it or the login timeout ends
 * it. The per-request limit (`LOGIN_RATE_LIMIT`) bounds how fast a client creates them; this bounds how many it
 * holds: at most the limit's count per client key (see `client-address.ts`), so one client cannot fill the
 * session store however long it keeps going. Counted per app instance, in memory, for at most 10,000 clients
 * (the least recently seen are forgotten first).
 */

/** Largest number of clients tracked at once. */
const MAX_TRACKED_CLIENTS = 10_000;

/** Options of {@link createPendingLogins}. */
export interface PendingLoginsOptions {
  /** Logins in progress one client may hold. */
  readonly max: number;
  /** How long a login stays in progress if never finished (the login timeout). */
  readonly ttlMs: number;
  readonly now: () => number;
}

/** The logins in progress of every client seen recently. */
export interface PendingLogins {
  /**
   * Records that `client` started a login held by session `sessionId`, unless it already holds `max` logins:
   * then nothing is recorded and the result is the number of seconds until its oldest login times out.
   */
  admit(client: string, sessionId: string): number | undefined;
  /** The login held by `sessionId` ended (its callback came, whatever the outcome). */
  finish(client: string, sessionId: string): void;
}

/** Creates the tracker of one app instance (no module-level state). */
export function createPendingLogins(options: PendingLoginsOptions): PendingLogins {
  const { max, ttlMs, now } = options;
  // client → (session id → ms when the login times out). Map order is insertion order: re-inserted on use.
  const clients = new Map<string, Map<string, number>>();

  function live(client: string): Map<string, number> {
    const t = now();
    const logins = clients.get(client) ?? new Map<string, number>();
    for (const [id, endsAt] of logins) if (endsAt <= t) logins.delete(id);
    clients.delete(client);
    clients.set(client, logins);
    if (clients.size > MAX_TRACKED_CLIENTS) {
      const oldest = clients.keys().next();
      if (oldest.done !== true) clients.delete(oldest.value);
    }
    return logins;
  }

  return {
    admit(client, sessionId) {
      const logins = live(client);
      if (logins.size >= max) {
        const firstEnd = Math.min(...logins.values());
        return Math.max(1, Math.ceil((firstEnd - now()) / 1000));
      }
      logins.set(sessionId, now() + ttlMs);
      return undefined;
    },
    finish(client, sessionId) {
      const logins = clients.get(client);
      logins?.delete(sessionId);
      if (logins?.size === 0) clients.delete(client);
    },
  };
}
