/**
 * @module web/views/models
 * The contract between route handlers and views: each page's model. Handlers build models from session and
 * RingCentral data; views turn them into HTML with auto-escaping. Views never see tokens or secrets.
 */

import type { ReadinessReport } from '../../readiness/readiness-report.js';

/** The three RingCentral APIs of the quick start, by their `/test?api=` value. */
export type ApiName = 'extension' | 'extension-call-log' | 'account-call-log';

export interface PageUser {
  readonly name?: string;
  readonly extensionNumber?: string;
}

/** Everything the page chrome (header, logout form) needs. */
export interface Chrome {
  /** Set when logged in; the header shows the user and a Logout form. */
  readonly user?: PageUser;
  /** Anti-CSRF token for the Logout form (POST /logout). */
  readonly csrf?: string;
  /** CSP nonce, if a page needs an inline script (prefer external scripts under /assets/). */
  readonly nonce?: string;
  /** A one-shot message at the top of the page (e.g. "You have been logged out."). */
  readonly notice?: { readonly kind: 'info' | 'warning' | 'error'; readonly text: string };
  /** When the RingCentral login (its refresh token) expires, ms since epoch; the header shows it. */
  readonly sessionExpiresAt?: number;
  /** Remaining RingCentral rate-limit budget, shown when it runs low. */
  readonly rateLimit?: {
    readonly group: string;
    readonly remaining: number;
    readonly limit: number;
    readonly windowSeconds: number;
  };
}

export interface LoginPageModel extends Chrome {
  /** The full RingCentral authorize URL (with state and S256 code_challenge) for the "Login RingCentral Account" link. */
  readonly authorizeUrl: string;
  /** Same-origin URL that starts a login in a popup window (e.g. `/login?popup=1`). */
  readonly popupLoginUrl: string;
  /** Where RingCentral is (e.g. "the built-in RingCentral emulator" or the server URL), for the page text. */
  readonly serverLabel: string;
  /** Demo accounts to show when running against the built-in emulator. */
  readonly demoUsers?: readonly { readonly username: string; readonly password: string; readonly note?: string }[];
}

export interface HomePageModel extends Chrome {
  readonly apis: readonly {
    readonly api: ApiName;
    readonly label: string;
    readonly description: string;
    readonly href: string;
  }[];
  /** When the RingCentral refresh token (and so the login) expires, ms since epoch. */
  readonly sessionExpiresAt?: number;
}

export interface PagingLinks {
  readonly first?: string;
  readonly previous?: string;
  readonly next?: string;
  readonly last?: string;
  readonly page?: number;
  readonly totalPages?: number;
  readonly totalElements?: number;
  readonly perPage?: number;
}

/** A RingCentral API result page (`/test?api=...` in a browser). `body` is RingCentral's parsed JSON. */
export interface ApiResultPageModel extends Chrome {
  readonly api: ApiName;
  readonly title: string;
  /** The RingCentral request shown to the user, e.g. `GET /restapi/v1.0/account/~/extension`. */
  readonly request: string;
  readonly status: number;
  readonly body: unknown;
  /** RingCentral's raw JSON text, pretty-printed, for the collapsible raw view. */
  readonly rawJson: string;
  /** Same-origin link to the same result as JSON (`?format=json`). */
  readonly jsonHref: string;
  readonly paging: PagingLinks;
  /** IANA time zone for showing times, when known. */
  readonly timeZone?: string;
  /** Call logs only: the filter form, the chart and the CSV export. */
  readonly explorer?: CallLogExplorerModel;
}

/** The call-log explorer around a call-log table. */
export interface CallLogExplorerModel {
  readonly filters: CallLogFilterFormModel;
  /** Calls per day over the whole filtered range; absent when not drawn (see `chartNote`). */
  readonly chart?: CallChartModel;
  /** Why there is no chart, or a remark about it (e.g. to save the rate-limit budget). */
  readonly chartNote?: string;
  /** The CSV export of the whole filtered range. */
  readonly export?: CallLogExportModel;
  /** A page served from the user's copy of the call log: as of when, and the link that brings it up to date. */
  readonly freshness?: { readonly asOf: number; readonly refreshHref: string };
}

/** Current values of the filter form (a plain GET form to `/test`). */
export interface CallLogFilterFormModel {
  readonly api: ApiName;
  /** `YYYY-MM-DD` for the date inputs, or `''`. */
  readonly dateFrom: string;
  readonly dateTo: string;
  /** `''` (any), `Inbound` or `Outbound`. */
  readonly direction: string;
  /** `''` (any), `Voice` or `Fax`. */
  readonly type: string;
  /** `Simple` or `Detailed`. */
  readonly view: string;
  readonly perPage?: number;
  /** The IANA zone days and times are shown in. */
  readonly timeZone: string;
  /** The range in words, e.g. `Nov 1 – Nov 25, 2026` or `the last 24 hours`. */
  readonly rangeText: string;
  /** Quick ranges (links that keep the other filters). */
  readonly presets: readonly { readonly label: string; readonly href: string; readonly current: boolean }[];
  /** The page without any filter. */
  readonly resetHref: string;
}

/** Calls per day, split by direction, missed calls marked. */
export interface CallChartModel {
  readonly timeZone: string;
  readonly days: readonly CallChartDay[];
  /** Where the counts come from, for the caption (e.g. "3,026 calls, read in 4 RingCentral requests"). */
  readonly sourceText?: string;
}

export interface CallChartDay {
  /** Local date `YYYY-MM-DD`. */
  readonly date: string;
  readonly inbound: number;
  readonly outbound: number;
  /** Missed calls, also counted in `inbound`/`outbound`. */
  readonly missed: number;
}

/** The export link and what it will cost. */
export interface CallLogExportModel {
  /** Same-origin `/export/call-log.csv?...`. */
  readonly href: string;
  /** Calls in the range, when RingCentral said. */
  readonly total?: number;
  /** RingCentral requests the export makes (0: it comes from the user's copy of the call log). */
  readonly requests?: number;
}

export interface ErrorPageModel extends Chrome {
  readonly status: number;
  readonly title: string;
  /** Plain-text explanation; never contains secrets or stack traces. */
  readonly message: string;
  /** Stable error code (see docs/errors.md). */
  readonly code?: string;
  readonly retryAfterSeconds?: number;
  /** One line saying how to fix the cause (from `doctor/explain.ts`), when it is known. */
  readonly fix?: string;
  readonly actions?: readonly { readonly href: string; readonly label: string }[];
}

/** `GET /admin/readiness` in a browser: the production-readiness report. */
export interface ReadinessPageModel extends Chrome {
  readonly report: ReadinessReport;
}

/**
 * `GET /profile` in a browser: the logged-in user as RingCentral describes them, the permissions their login
 * carries and how long it lasts (the refresh token's expiry is the chrome's `sessionExpiresAt`).
 */
export interface ProfilePageModel extends Chrome {
  /** RingCentral's answer to `readExtension` for the user's own extension (`GetExtensionInfoResponse`). */
  readonly extension: unknown;
  /** The RingCentral request shown to the user, e.g. `GET /restapi/v1.0/account/~/extension/~`. */
  readonly request: string;
  /** The app permissions the login carries (the token's `scope`), e.g. `ReadAccounts`. */
  readonly permissions: readonly string[];
  /** When this app's session ends if left unused (idle or absolute timeout, the earlier), ms since epoch. */
  readonly sessionEndsAt?: number;
  /** Same-origin link to RingCentral's JSON (`?format=json`). */
  readonly jsonHref: string;
}

export interface LogoutConfirmPageModel extends Chrome {
  readonly csrf: string;
}

/** Shown in the popup window at the end of a popup login; tells the opener and closes itself. */
export interface PopupDonePageModel extends Chrome {
  readonly ok: boolean;
  readonly message?: string;
  /** Same-origin path the opener should navigate to. */
  readonly next: string;
}

/**
 * `GET /contacts`: the shell of the Contacts page. The browser app (`assets/contacts/`) lists and edits the
 * contacts itself through `/api/rc`; the server only knows who is logged in.
 */
export type ContactsPageModel = Chrome;

export interface Views {
  login(model: LoginPageModel): string;
  home(model: HomePageModel): string;
  apiResult(model: ApiResultPageModel): string;
  error(model: ErrorPageModel): string;
  logoutConfirm(model: LogoutConfirmPageModel): string;
  popupDone(model: PopupDonePageModel): string;
  readiness(model: ReadinessPageModel): string;
  profile(model: ProfilePageModel): string;
  contacts(model: ContactsPageModel): string;
}
