/**
 * @module readiness/readiness-store
 * What the app saw of its own RingCentral traffic, for the production-readiness report: per operation the answers
 * by class (2xx, 4xx, 429, 5xx, no answer), token refreshes and their failures, and the permissions RingCentral
 * granted (the token's `scope`). RingCentral judges the last two days (UTC), so counts are kept per UTC day and a
 * report adds today and yesterday. In-process (per instance) by default; in Redis (every instance adds to the same
 * counters) with `SESSION_STORE=redis`.
 * @see https://community.ringcentral.com/developer-platform-apis-integrations-5/production-access-request-criteria-9509
 */

/** How a call ended. */
export type CallOutcome = number | 'error';

/** Answer classes counted per operation. */
export const OUTCOME_CLASSES = ['2xx', '4xx', '429', '5xx', 'other', 'error'] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/** The class of an outcome (429 is counted apart from the other 4xx). */
export function classOf(outcome: CallOutcome): OutcomeClass {
  if (outcome === 'error') return 'error';
  if (outcome === 429) return '429';
  if (outcome >= 200 && outcome < 300) return '2xx';
  if (outcome >= 400 && outcome < 500) return '4xx';
  if (outcome >= 500) return '5xx';
  return 'other';
}

/** Counts over a period. */
export interface ReadinessCounts {
  /** `operationId` → class → count. */
  readonly operations: Readonly<Record<string, Readonly<Record<OutcomeClass, number>>>>;
  readonly refreshes: { readonly ok: number; readonly failed: number };
  /** Permissions RingCentral granted in the token answers seen (the `scope` values). */
  readonly scopes: readonly string[];
  /** Start of the period (ms since epoch): the earlier of the two UTC days, or the first count if later. */
  readonly since: number;
}

/** The counters. Recording never throws and never waits (a failing Redis loses counts, not requests). */
export interface ReadinessStore {
  readonly kind: 'memory' | 'redis';
  recordCall(operationId: string, outcome: CallOutcome): void;
  recordRefresh(ok: boolean): void;
  recordScope(scope: string): void;
  /** Today and yesterday (UTC), added up (this instance's counts not yet written included). */
  read(): Promise<ReadinessCounts>;
  /** Writes the counts not yet written (a store that batches them); at shutdown. */
  flush(): Promise<void>;
}

const DAY_MS = 86_400_000;

let lastDayNumber = Number.NaN;
let lastDay = '';

/** `YYYY-MM-DD` of the UTC day of `t` (the last day's string is kept: it is asked for on every RingCentral call). */
export function utcDay(t: number): string {
  const dayNumber = Math.floor(t / DAY_MS);
  if (dayNumber !== lastDayNumber) {
    lastDay = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    lastDayNumber = dayNumber;
  }
  return lastDay;
}

/** The two days a report covers, oldest first, and the start of the first. */
export function reportDays(now: number): { days: [string, string]; start: number } {
  const start = Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
  return { days: [utcDay(start), utcDay(now)], start };
}

/** Builds counts from flat fields (`c|<operationId>|<class>`, `r|ok`, `r|failed`) summed over days. */
export function countsFromFields(
  fields: ReadonlyMap<string, number>,
  scopes: Iterable<string>,
  since: number,
): ReadinessCounts {
  const operations: Record<string, Record<OutcomeClass, number>> = {};
  let ok = 0;
  let failed = 0;
  for (const [field, count] of fields) {
    const [kind, a, b] = field.split('|');
    if (kind === 'c' && a !== undefined && (OUTCOME_CLASSES as readonly string[]).includes(b ?? '')) {
      const row = (operations[a] ??= { '2xx': 0, '4xx': 0, '429': 0, '5xx': 0, other: 0, error: 0 });
      row[b as OutcomeClass] += count;
    } else if (kind === 'r' && a === 'ok') ok += count;
    else if (kind === 'r' && a === 'failed') failed += count;
  }
  const granted = new Set<string>();
  for (const scope of scopes)
    for (const permission of scope.split(/\s+/)) if (permission !== '') granted.add(permission);
  return { operations, refreshes: { ok, failed }, scopes: [...granted].sort(), since };
}

/** Field names already made, per operation id and class (a pure memo: ids come from a bounded table). */
const fieldsMade = new Map<string, Partial<Record<OutcomeClass, string>>>();
const MAX_FIELD_IDS = 1_000;

/**
 * Operation ids are the app's own table's; anything else is folded so a field name stays bounded. Each name is made
 * once (this runs for every RingCentral call).
 */
export function fieldOfCall(operationId: string, outcome: CallOutcome): string {
  const cls = classOf(outcome);
  let made = fieldsMade.get(operationId);
  const known = made?.[cls];
  if (known !== undefined) return known;
  const op = /^[A-Za-z0-9]{1,64}$/.test(operationId) ? operationId : 'other';
  const field = `c|${op}|${cls}`;
  if (made === undefined && fieldsMade.size < MAX_FIELD_IDS) {
    made = {};
    fieldsMade.set(operationId, made);
  }
  if (made !== undefined) made[cls] = field;
  return field;
}

/** The in-process counters of one app instance. */
export function createMemoryReadinessStore(options: { now: () => number }): ReadinessStore {
  const { now } = options;
  const days = new Map<string, { fields: Map<string, number>; scopes: Set<string> }>();
  const firstCountAt = now();

  function today(): { fields: Map<string, number>; scopes: Set<string> } {
    const key = utcDay(now());
    let day = days.get(key);
    if (day === undefined) {
      day = { fields: new Map(), scopes: new Set() };
      days.set(key, day);
      const keep = new Set(reportDays(now()).days);
      for (const old of days.keys()) if (!keep.has(old)) days.delete(old);
    }
    return day;
  }
  const add = (field: string): void => {
    const { fields } = today();
    fields.set(field, (fields.get(field) ?? 0) + 1);
  };

  return {
    kind: 'memory',
    recordCall: (operationId, outcome) => add(fieldOfCall(operationId, outcome)),
    recordRefresh: (ok) => add(ok ? 'r|ok' : 'r|failed'),
    flush: () => Promise.resolve(),
    recordScope(scope) {
      // At most a handful of distinct values (the app's permission set).
      const { scopes } = today();
      if (scopes.size < 64) scopes.add(scope.slice(0, 2048));
    },
    read() {
      const { days: wanted, start } = reportDays(now());
      const fields = new Map<string, number>();
      const scopes: string[] = [];
      for (const key of wanted) {
        const day = days.get(key);
        if (day === undefined) continue;
        for (const [field, count] of day.fields) fields.set(field, (fields.get(field) ?? 0) + count);
        scopes.push(...day.scopes);
      }
      return Promise.resolve(countsFromFields(fields, scopes, Math.max(start, firstCountAt)));
    },
  };
}
