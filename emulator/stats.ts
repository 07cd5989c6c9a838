/**
 * @module emulator/stats
 * Exact request counters for tests ("exactly one refresh"). Every request is counted once on arrival, whatever its
 * outcome (a faulted, rejected or rate-limited request still counts), so tests measure what a client sent.
 *
 * Keys: `authorize` (every authorize request), `authorize.login` (sign-in attempts), `authorize.code` (codes issued),
 * `authorize.denied` (Cancel), `token` (all token requests), `token.<grant_type>` (`token.authorization_code`,
 * `token.refresh_token`, ...), `revoke`, `rest` (all REST requests), `rest.<group>` (`rest.Light`, `rest.Medium`,
 * `rest.Heavy`), `rest.<operationId>` (`rest.listExtensions`, ...), `rest.unauthorized` (REST 401s),
 * `rateLimited` (all 429s), `rateLimited.<group>`, `faults` (injected faults), `notFound` (unknown routes).
 */

/** Keys always present in a snapshot (0 when nothing happened), so tests can compare whole objects. */
export const BASE_STAT_KEYS = [
  'authorize',
  'authorize.login',
  'authorize.code',
  'authorize.denied',
  'token',
  'token.authorization_code',
  'token.refresh_token',
  'revoke',
  'rest',
  'rest.Light',
  'rest.Medium',
  'rest.Heavy',
  'rest.listExtensions',
  'rest.readExtension',
  'rest.readUserCallLog',
  'rest.readCompanyCallLog',
  'rest.readAccountInfo',
  'rest.readUserPresenceStatus',
  'rest.syncUserCallLog',
  'rest.syncAccountCallLog',
  'rest.listContacts',
  'rest.createContact',
  'rest.readContact',
  'rest.updateContact',
  'rest.deleteContact',
  'rest.unauthorized',
  'rateLimited',
  'faults',
  'notFound',
] as const;

/** Request counters. */
export interface Stats {
  increment(key: string, by?: number): void;
  get(key: string): number;
  /** All counters, keys sorted. */
  snapshot(): Record<string, number>;
  reset(): void;
}

/** Creates zeroed counters. */
export function createStats(): Stats {
  const counters = new Map<string, number>();
  return {
    increment(key: string, by = 1): void {
      counters.set(key, (counters.get(key) ?? 0) + by);
    },
    get: (key) => counters.get(key) ?? 0,
    snapshot(): Record<string, number> {
      const keys = new Set<string>([...BASE_STAT_KEYS, ...counters.keys()]);
      const out: Record<string, number> = {};
      for (const key of [...keys].sort()) out[key] = counters.get(key) ?? 0;
      return out;
    },
    reset(): void {
      counters.clear();
    },
  };
}
