/**
 * @module emulator/faults
 * Explicit fault injection (in the spirit of oauth2-mock-server's `beforeResponse`): the next `count` requests to a
 * route get a delay and/or an error status with a RingCentral-shaped body. Rules queue up per route, first in first
 * out. Delays use real timers (a slow upstream), are bounded, and are cut short when the emulator closes.
 */

/** Routes that faults can target. */
export const FAULT_ROUTES = ['token', 'revoke', 'rest', 'authorize'] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

/** Longest delay a fault may inject. */
export const MAX_FAULT_DELAY_MS = 120_000;

/** One fault rule. */
export interface FaultRule {
  /** HTTP status to answer with (400..599); absent = only delay, then answer normally. */
  readonly status?: number;
  readonly delayMs?: number;
  /** How many requests this rule applies to. */
  readonly count: number;
}

/** The fault to apply to one request. */
export interface Fault {
  readonly status?: number;
  readonly delayMs?: number;
}

/** Fault queues per route. */
export interface FaultInjector {
  add(route: FaultRoute, rule: FaultRule): void;
  /** Takes the fault for the next request to `route`, if any. */
  next(route: FaultRoute): Fault | undefined;
  /** Pending rules (for the control API). */
  pending(): Record<FaultRoute, { status?: number; delayMs?: number; remaining: number }[]>;
  /** Waits `ms` unless the emulator closes first. */
  delay(ms: number): Promise<void>;
  /** Ends every pending delay now (called when the emulator closes). */
  releaseDelays(): void;
  reset(): void;
}

/** Creates an empty injector. */
export function createFaultInjector(): FaultInjector {
  const queues = new Map<FaultRoute, { status?: number; delayMs?: number; remaining: number }[]>();
  const sleeping = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  return {
    add(route, rule): void {
      const q = queues.get(route) ?? [];
      q.push({
        ...(rule.status !== undefined ? { status: rule.status } : {}),
        ...(rule.delayMs !== undefined ? { delayMs: rule.delayMs } : {}),
        remaining: rule.count,
      });
      queues.set(route, q);
    },
    next(route): Fault | undefined {
      const q = queues.get(route);
      const rule = q?.[0];
      if (q === undefined || rule === undefined) return undefined;
      rule.remaining -= 1;
      if (rule.remaining <= 0) q.shift();
      return {
        ...(rule.status !== undefined ? { status: rule.status } : {}),
        ...(rule.delayMs !== undefined ? { delayMs: rule.delayMs } : {}),
      };
    },
    pending() {
      const out = {} as Record<FaultRoute, { status?: number; delayMs?: number; remaining: number }[]>;
      for (const route of FAULT_ROUTES) out[route] = (queues.get(route) ?? []).map((r) => ({ ...r }));
      return out;
    },
    delay(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const entry = {
          timer: setTimeout(
            () => {
              sleeping.delete(entry);
              resolve();
            },
            Math.min(ms, MAX_FAULT_DELAY_MS),
          ),
          resolve,
        };
        sleeping.add(entry);
      });
    },
    releaseDelays(): void {
      for (const entry of sleeping) {
        clearTimeout(entry.timer);
        entry.resolve();
      }
      sleeping.clear();
    },
    reset(): void {
      queues.clear();
    },
  };
}
