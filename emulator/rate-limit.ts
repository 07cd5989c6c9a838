/**
 * @module emulator/rate-limit
 * RingCentral's user-level rate limits: a sliding window per (user, app, group) and a penalty once the limit is hit.
 * During the penalty every request of that user/app/group is rejected and *resets* the penalty (contract §6).
 * Time comes from the emulator clock, so advancing it ends windows and penalties.
 *
 * The window is exact: a ring buffer of request times that grows on demand (memory follows actual traffic, not the
 * configured limit, so benchmarks can raise a limit to millions).
 *
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */

/** The four throttling groups used by the emulated endpoints (`x-throttling-group`). */
export const RATE_LIMIT_GROUPS = ['Light', 'Medium', 'Heavy', 'Auth'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

/** Configuration of one group. */
export interface GroupLimit {
  /** Requests allowed per window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Penalty length; each request during the penalty starts it again. 0 = no penalty (plain window). */
  readonly penaltySeconds: number;
}

/** RingCentral's documented defaults (requests per user per app per minute, 60 s penalty). */
export const DEFAULT_LIMITS: Readonly<Record<RateLimitGroup, GroupLimit>> = {
  Light: { limit: 50, windowSeconds: 60, penaltySeconds: 60 },
  Medium: { limit: 40, windowSeconds: 60, penaltySeconds: 60 },
  Heavy: { limit: 10, windowSeconds: 60, penaltySeconds: 60 },
  Auth: { limit: 5, windowSeconds: 60, penaltySeconds: 60 },
};

/** Outcome of one request against the limiter; the `X-Rate-Limit-*` headers come from it. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly group: RateLimitGroup;
  readonly limit: number;
  readonly remaining: number;
  readonly windowSeconds: number;
  /** Seconds the client should wait (429 `Retry-After`); 0 when allowed. */
  readonly retryAfterSeconds: number;
}

/** The limiter. */
export interface RateLimiter {
  /** Counts one request of `subject` (e.g. `clientId|extensionId`) in `group` and decides. */
  take(group: RateLimitGroup, subject: string): RateDecision;
  config(group: RateLimitGroup): GroupLimit;
  /** Changes a group's settings and forgets its current windows and penalties. */
  configure(group: RateLimitGroup, change: Partial<GroupLimit>): GroupLimit;
  /** Back to `initial` settings, all windows empty. */
  reset(): void;
}

class Window {
  private times = new Float64Array(8);
  private head = 0;
  private size = 0;
  penaltyUntil = 0;

  evictBefore(cutoff: number): void {
    while (this.size > 0 && this.times[this.head]! <= cutoff) {
      this.head = (this.head + 1) % this.times.length;
      this.size -= 1;
    }
  }

  count(): number {
    return this.size;
  }

  oldest(): number {
    return this.times[this.head]!;
  }

  push(t: number): void {
    if (this.size === this.times.length) {
      const bigger = new Float64Array(this.times.length * 2);
      for (let i = 0; i < this.size; i += 1) bigger[i] = this.times[(this.head + i) % this.times.length]!;
      this.times = bigger;
      this.head = 0;
    }
    this.times[(this.head + this.size) % this.times.length] = t;
    this.size += 1;
  }
}

/** Creates a limiter over the emulator clock. */
export function createRateLimiter(
  now: () => number,
  initial: Partial<Record<RateLimitGroup, Partial<GroupLimit>>> = {},
): RateLimiter {
  const base = (): Record<RateLimitGroup, GroupLimit> => ({
    Light: { ...DEFAULT_LIMITS.Light, ...initial.Light },
    Medium: { ...DEFAULT_LIMITS.Medium, ...initial.Medium },
    Heavy: { ...DEFAULT_LIMITS.Heavy, ...initial.Heavy },
    Auth: { ...DEFAULT_LIMITS.Auth, ...initial.Auth },
  });
  let configs = base();
  const windows: Record<RateLimitGroup, Map<string, Window>> = {
    Light: new Map(),
    Medium: new Map(),
    Heavy: new Map(),
    Auth: new Map(),
  };

  return {
    take(group: RateLimitGroup, subject: string): RateDecision {
      const cfg = configs[group];
      const t = now();
      let w = windows[group].get(subject);
      if (w === undefined) {
        w = new Window();
        windows[group].set(subject, w);
      }
      const deny = (retryAfterSeconds: number): RateDecision => ({
        allowed: false,
        group,
        limit: cfg.limit,
        remaining: 0,
        windowSeconds: cfg.windowSeconds,
        retryAfterSeconds,
      });
      if (w.penaltyUntil > t) {
        w.penaltyUntil = t + cfg.penaltySeconds * 1000;
        return deny(cfg.penaltySeconds);
      }
      w.evictBefore(t - cfg.windowSeconds * 1000);
      if (w.count() >= cfg.limit) {
        if (cfg.penaltySeconds > 0) {
          w.penaltyUntil = t + cfg.penaltySeconds * 1000;
          return deny(cfg.penaltySeconds);
        }
        return deny(Math.max(1, Math.ceil((w.oldest() + cfg.windowSeconds * 1000 - t) / 1000)));
      }
      w.push(t);
      return {
        allowed: true,
        group,
        limit: cfg.limit,
        remaining: cfg.limit - w.count(),
        windowSeconds: cfg.windowSeconds,
        retryAfterSeconds: 0,
      };
    },
    config: (group) => configs[group],
    configure(group: RateLimitGroup, change: Partial<GroupLimit>): GroupLimit {
      configs = { ...configs, [group]: { ...configs[group], ...change } };
      windows[group].clear();
      return configs[group];
    },
    reset(): void {
      configs = base();
      for (const g of RATE_LIMIT_GROUPS) windows[g].clear();
    },
  };
}

/** The `X-Rate-Limit-*` headers of a decision. The group name is sent capitalised as in the spec. */
export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    'X-Rate-Limit-Group': d.group,
    'X-Rate-Limit-Limit': String(d.limit),
    'X-Rate-Limit-Remaining': String(d.remaining),
    'X-Rate-Limit-Window': String(d.windowSeconds),
  };
}
