/**
 * @module readiness/readiness-report
 * The production-readiness report: the app's RingCentral traffic of the last two UTC days measured against
 * RingCentral's published production-access criteria:
 * 1. at least 5 successful (2xx) calls to each endpoint used, and at least 20 in total (OAuth calls do not count);
 * 2. no unused permissions: every permission the app requests is exercised by a successful call;
 * 3. under 5% of 4xx answers among all API calls, and not a single 429;
 * 4. tokens used properly (here: no failed refresh).
 * @see https://developers.ringcentral.com/guide/getting-started/graduate-app
 * @see https://community.ringcentral.com/developer-platform-apis-integrations-5/production-access-request-criteria-9509
 */
import { findOperation } from '../rc-api/operations.js';
import type { OutcomeClass, ReadinessCounts } from './readiness-store.js';

/** The OAuth endpoints, reported apart from the REST operations. */
const OAUTH_OPERATIONS: ReadonlySet<string> = new Set(['getToken', 'revokeToken']);

/** RingCentral's thresholds. */
export const CRITERIA = {
  minSuccessPerEndpoint: 5,
  minSuccessTotal: 20,
  maxClientErrorShare: 0.05,
} as const;

/** One endpoint's figures. */
export interface EndpointFigures {
  readonly operationId: string;
  readonly method: string;
  readonly path: string;
  readonly group: string;
  /** `x-app-permission`, when the endpoint needs one. */
  readonly permission?: string;
  /** Every call sent (answered or not). */
  readonly calls: number;
  readonly success: number;
  /** 4xx answers other than 429. */
  readonly clientErrors: number;
  readonly rateLimited: number;
  readonly serverErrors: number;
  /** Calls that got no answer (refused, reset, timed out). */
  readonly noAnswer: number;
  /** (4xx + 429) / calls; 0 without calls. */
  readonly clientErrorShare: number;
  /** At least 5 successes, under 5% 4xx, no 429. */
  readonly passes: boolean;
}

/** One criterion and whether the traffic meets it. */
export interface Criterion {
  readonly id:
    'success-per-endpoint' | 'success-total' | 'permissions-used' | 'client-error-share' | 'no-429' | 'token-use';
  readonly text: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The report (JSON at `GET /admin/readiness?format=json`). */
export interface ReadinessReport {
  readonly generatedAt: string;
  /** Start of the period counted (ISO). */
  readonly since: string;
  readonly endpoints: readonly EndpointFigures[];
  readonly totals: {
    readonly calls: number;
    readonly success: number;
    readonly clientErrors: number;
    readonly rateLimited: number;
    readonly clientErrorShare: number;
  };
  readonly oauth: {
    /** All token requests (code exchanges and refreshes). */
    readonly tokenCalls: number;
    readonly tokenRateLimited: number;
    readonly refreshes: number;
    readonly refreshFailures: number;
    readonly revocations: number;
  };
  readonly permissions: {
    /** Granted by RingCentral in the token answers (the app's permissions). */
    readonly requested: readonly string[];
    /** Exercised by at least one successful call. */
    readonly used: readonly string[];
    readonly unused: readonly string[];
  };
  readonly criteria: readonly Criterion[];
  /** Every criterion met. */
  readonly ready: boolean;
}

const EMPTY: Readonly<Record<OutcomeClass, number>> = { '2xx': 0, '4xx': 0, '429': 0, '5xx': 0, other: 0, error: 0 };

function total(row: Readonly<Record<OutcomeClass, number>>): number {
  return row['2xx'] + row['4xx'] + row['429'] + row['5xx'] + row.other + row.error;
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function percent(value: number): string {
  return `${(Math.round(value * 1000) / 10).toString()}%`;
}

/** Builds the report from the counters. */
export function buildReadinessReport(counts: ReadinessCounts, now: number): ReadinessReport {
  const endpoints: EndpointFigures[] = [];
  const usedPermissions = new Set<string>();
  // By operationId, so the report reads the same whichever call came first.
  for (const [operationId, row] of Object.entries(counts.operations).sort(([a], [b]) => a.localeCompare(b))) {
    const operation = findOperation(operationId);
    // The OAuth endpoints have their own section; an operation this version does not know is left out.
    if (operation === undefined || OAUTH_OPERATIONS.has(operationId)) continue;
    const calls = total(row);
    if (calls === 0) continue;
    if (row['2xx'] > 0 && operation.appPermission !== undefined) usedPermissions.add(operation.appPermission);
    const clientErrorShare = share(row['4xx'] + row['429'], calls);
    endpoints.push({
      operationId,
      method: operation.method,
      path: operation.path,
      group: operation.group,
      ...(operation.appPermission === undefined ? {} : { permission: operation.appPermission }),
      calls,
      success: row['2xx'],
      clientErrors: row['4xx'],
      rateLimited: row['429'],
      serverErrors: row['5xx'],
      noAnswer: row.error + row.other,
      clientErrorShare,
      passes:
        row['2xx'] >= CRITERIA.minSuccessPerEndpoint &&
        clientErrorShare < CRITERIA.maxClientErrorShare &&
        row['429'] === 0,
    });
  }
  const sum = (pick: (e: EndpointFigures) => number): number => endpoints.reduce((n, e) => n + pick(e), 0);
  const totals = {
    calls: sum((e) => e.calls),
    success: sum((e) => e.success),
    clientErrors: sum((e) => e.clientErrors),
    rateLimited: sum((e) => e.rateLimited),
    clientErrorShare: share(
      sum((e) => e.clientErrors + e.rateLimited),
      sum((e) => e.calls),
    ),
  };
  const token = counts.operations.getToken ?? EMPTY;
  const revoke = counts.operations.revokeToken ?? EMPTY;
  const oauth = {
    tokenCalls: total(token),
    tokenRateLimited: token['429'],
    refreshes: counts.refreshes.ok + counts.refreshes.failed,
    refreshFailures: counts.refreshes.failed,
    revocations: total(revoke),
  };
  const requested = [...counts.scopes].sort();
  const used = [...usedPermissions].sort();
  const unused = requested.filter((permission) => !usedPermissions.has(permission));

  const short = endpoints.filter((e) => e.success < CRITERIA.minSuccessPerEndpoint);
  const limited = totals.rateLimited + oauth.tokenRateLimited;
  const criteria: Criterion[] = [
    {
      id: 'success-per-endpoint',
      text: `At least ${CRITERIA.minSuccessPerEndpoint} successful (2xx) calls to each endpoint used`,
      ok: endpoints.length > 0 && short.length === 0,
      detail:
        endpoints.length === 0
          ? 'no RingCentral API call was made yet'
          : short.length === 0
            ? `every endpoint used has ${CRITERIA.minSuccessPerEndpoint} or more`
            : `too few: ${short.map((e) => `${e.operationId} (${e.success})`).join(', ')}`,
    },
    {
      id: 'success-total',
      text: `At least ${CRITERIA.minSuccessTotal} successful calls in total (OAuth calls do not count)`,
      ok: totals.success >= CRITERIA.minSuccessTotal,
      detail: `${totals.success} successful calls`,
    },
    {
      id: 'permissions-used',
      text: 'No unused permissions: each permission the app requests is exercised',
      ok: requested.length > 0 && unused.length === 0,
      detail:
        requested.length === 0
          ? 'no token answer seen yet, so the requested permissions are unknown'
          : unused.length === 0
            ? `all used: ${requested.join(', ')}`
            : `unused: ${unused.join(', ')} (call an endpoint that needs it, or remove it from the app)`,
    },
    {
      id: 'client-error-share',
      text: `Under ${percent(CRITERIA.maxClientErrorShare)} of API calls answered with 4xx`,
      ok: totals.clientErrorShare < CRITERIA.maxClientErrorShare,
      detail: `${percent(totals.clientErrorShare)} (${totals.clientErrors + totals.rateLimited} of ${totals.calls})`,
    },
    {
      id: 'no-429',
      text: 'Not a single 429 (rate limit exceeded)',
      ok: limited === 0,
      detail: limited === 0 ? 'none' : `${limited} answered 429`,
    },
    {
      id: 'token-use',
      text: 'Access and refresh tokens used properly (no failed refresh)',
      ok: oauth.refreshFailures === 0,
      detail: `${oauth.refreshes} refreshes, ${oauth.refreshFailures} failed`,
    },
  ];
  return {
    generatedAt: new Date(now).toISOString(),
    since: new Date(counts.since).toISOString(),
    endpoints,
    totals,
    oauth,
    permissions: { requested, used, unused },
    criteria,
    ready: criteria.every((c) => c.ok),
  };
}
