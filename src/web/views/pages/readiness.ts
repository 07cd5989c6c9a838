/**
 * @module web/views/pages/readiness
 * `GET /admin/readiness` in a browser: the production-readiness report (`readiness/readiness-report.ts`) as a
 * verdict, the criteria, a table of calls per endpoint, and the token and permission figures.
 */
import type { ReadinessPageModel } from '../models.js';
import type { PageData, ViewKit } from '../view-kit.js';

/** What `readiness.eta` prints; counts are formatted text. */
export interface ReadinessView extends PageData {
  readonly ready: boolean;
  readonly sinceIso: string;
  readonly sinceText: string;
  readonly criteria: readonly {
    readonly id: string;
    readonly ok: boolean;
    readonly text: string;
    readonly detail: string;
  }[];
  readonly endpoints: readonly {
    readonly operationId: string;
    readonly method: string;
    readonly path: string;
    readonly group: string;
    readonly calls: string;
    readonly success: string;
    readonly clientErrors: string;
    readonly rateLimited: string;
    readonly serverErrors: string;
    readonly noAnswer: string;
    /** 4xx share as a percentage with one decimal, e.g. `2.5%`. */
    readonly share: string;
    readonly passes: boolean;
  }[];
  readonly oauth: {
    readonly tokenCalls: string;
    readonly refreshes: string;
    readonly refreshFailures: string;
    readonly revocations: string;
  };
  readonly permissions: { readonly requested: string; readonly used: string; readonly unused: string };
}

/** Renders the readiness report. */
export function renderReadiness(model: ReadinessPageModel, kit: ViewKit): string {
  const { report } = model;
  const count = (value: number): string => kit.number.format(value);
  const names = (list: readonly string[]): string => list.join(', ') || 'none';
  const since = Date.parse(report.since);
  return kit.render<ReadinessView>('readiness', {
    chrome: kit.chrome(model),
    pageTitle: `Production readiness · ${kit.appName}`,
    pageClass: 'readiness',
    ready: report.ready,
    sinceIso: Number.isFinite(since) ? new Date(since).toISOString() : '',
    sinceText: Number.isFinite(since) ? kit.dates.formatDateTime(since, undefined, false) : 'the start',
    criteria: report.criteria.map(({ id, ok, text, detail }) => ({ id, ok, text, detail })),
    endpoints: report.endpoints.map((e) => ({
      operationId: e.operationId,
      method: e.method,
      path: e.path,
      group: e.group,
      calls: count(e.calls),
      success: count(e.success),
      clientErrors: count(e.clientErrors),
      rateLimited: count(e.rateLimited),
      serverErrors: count(e.serverErrors),
      noAnswer: count(e.noAnswer),
      share: `${(Math.round(e.clientErrorShare * 1000) / 10).toString()}%`,
      passes: e.passes,
    })),
    oauth: {
      tokenCalls: count(report.oauth.tokenCalls),
      refreshes: count(report.oauth.refreshes),
      refreshFailures: count(report.oauth.refreshFailures),
      revocations: count(report.oauth.revocations),
    },
    permissions: {
      requested: names(report.permissions.requested),
      used: names(report.permissions.used),
      unused: names(report.permissions.unused),
    },
  });
}
