/**
 * @module errors
 * The app's error catalog: stable `RCAPP_*` codes, the HTTP status and page title of each, and a small set of error
 * classes (oauth4webapi style: `code`, `cause`, `name = constructor.name`). Messages are lowercase, quote the
 * parameter and state the fact; they never contain tokens, codes, verifiers, secrets or `Authorization` headers.
 * The table in docs/errors.md is kept in sync with {@link ERROR_CATALOG} by `test/unit/errors/errors.test.ts`.
 */

/** One entry of the catalog: what the user sees and what docs/errors.md says. */
export interface ErrorCatalogEntry {
  readonly status: number;
  /** Short page title. */
  readonly title: string;
  /** One-line meaning (the docs/errors.md table words it for readers). */
  readonly meaning: string;
  /** Reported at start-up only, never as an HTTP response (docs/errors.md shows its status as "—"). */
  readonly startupOnly?: boolean;
}

export const RCAPP_BAD_REQUEST = 'RCAPP_BAD_REQUEST';
export const RCAPP_NOT_FOUND = 'RCAPP_NOT_FOUND';
export const RCAPP_STATE_MISMATCH = 'RCAPP_STATE_MISMATCH';
export const RCAPP_NO_AUTH_CODE = 'RCAPP_NO_AUTH_CODE';
export const RCAPP_NO_LOGIN_IN_PROGRESS = 'RCAPP_NO_LOGIN_IN_PROGRESS';
export const RCAPP_LOGIN_EXPIRED = 'RCAPP_LOGIN_EXPIRED';
export const RCAPP_LOGIN_FAILED = 'RCAPP_LOGIN_FAILED';
export const RCAPP_ACCESS_DENIED = 'RCAPP_ACCESS_DENIED';
export const RCAPP_NOT_LOGGED_IN = 'RCAPP_NOT_LOGGED_IN';
export const RCAPP_SESSION_ENDED = 'RCAPP_SESSION_ENDED';
export const RCAPP_UNKNOWN_API = 'RCAPP_UNKNOWN_API';
export const RCAPP_CSRF = 'RCAPP_CSRF';
export const RCAPP_PERMISSION_DENIED = 'RCAPP_PERMISSION_DENIED';
export const RCAPP_RATE_LIMITED = 'RCAPP_RATE_LIMITED';
export const RCAPP_TOO_MANY_LOGINS = 'RCAPP_TOO_MANY_LOGINS';
export const RCAPP_UPSTREAM_ERROR = 'RCAPP_UPSTREAM_ERROR';
export const RCAPP_UPSTREAM_UNAVAILABLE = 'RCAPP_UPSTREAM_UNAVAILABLE';
export const RCAPP_UPSTREAM_TIMEOUT = 'RCAPP_UPSTREAM_TIMEOUT';
export const RCAPP_SESSION_STORE_UNAVAILABLE = 'RCAPP_SESSION_STORE_UNAVAILABLE';
export const RCAPP_METRICS_UNAUTHORIZED = 'RCAPP_METRICS_UNAUTHORIZED';
export const RCAPP_ADMIN_UNAUTHORIZED = 'RCAPP_ADMIN_UNAUTHORIZED';
export const RCAPP_INTERNAL = 'RCAPP_INTERNAL';
export const RCAPP_CONFIG_INVALID = 'RCAPP_CONFIG_INVALID';

/** Every code the app can answer with, its HTTP status, page title and meaning. */
export const ERROR_CATALOG = {
  [RCAPP_BAD_REQUEST]: {
    status: 400,
    title: 'Bad request',
    meaning: 'A query parameter, cookie or body was malformed, duplicated or out of range.',
  },
  [RCAPP_NOT_FOUND]: { status: 404, title: 'Page not found', meaning: 'No such page (or method) in this app.' },
  [RCAPP_STATE_MISMATCH]: {
    status: 400,
    title: 'Login could not be verified',
    meaning: 'The OAuth callback `state` was missing or did not match the login started in this browser.',
  },
  [RCAPP_NO_AUTH_CODE]: {
    status: 400,
    title: 'No Auth code',
    meaning: 'The OAuth callback carried no authorization `code`.',
  },
  [RCAPP_NO_LOGIN_IN_PROGRESS]: {
    status: 400,
    title: 'No login in progress',
    meaning: 'An OAuth callback arrived but this browser has no login in progress (replayed or stale callback).',
  },
  [RCAPP_LOGIN_EXPIRED]: {
    status: 400,
    title: 'Login took too long',
    meaning: 'The login started in this browser is older than the login timeout; start again.',
  },
  [RCAPP_LOGIN_FAILED]: {
    status: 400,
    title: 'Login error',
    meaning: 'RingCentral refused the login; its `error_description` is shown (e.g. a used or expired code).',
  },
  [RCAPP_ACCESS_DENIED]: {
    status: 400,
    title: 'Login cancelled',
    meaning: 'The user declined access on the RingCentral login page (`error=access_denied`).',
  },
  [RCAPP_NOT_LOGGED_IN]: { status: 401, title: 'Not logged in', meaning: 'The request needs a logged-in session.' },
  [RCAPP_SESSION_ENDED]: {
    status: 401,
    title: 'Your RingCentral session has ended',
    meaning: 'RingCentral no longer accepts the refresh token; the session was ended, log in again.',
  },
  [RCAPP_UNKNOWN_API]: {
    status: 400,
    title: 'Unknown API',
    meaning: 'The `api` parameter is not one of `extension`, `extension-call-log`, `account-call-log`.',
  },
  [RCAPP_CSRF]: {
    status: 403,
    title: 'Request refused',
    meaning:
      'A state-changing request (logout) came without this session’s anti-CSRF token, or an /api/rc call without `X-CSRF: 1` or from another origin.',
  },
  [RCAPP_PERMISSION_DENIED]: {
    status: 403,
    title: 'Permission denied',
    meaning: 'RingCentral refused the call: the app or user lacks the named permission.',
  },
  [RCAPP_RATE_LIMITED]: {
    status: 429,
    title: 'Too many requests',
    meaning: 'RingCentral rate limit reached; `Retry-After` says how many seconds to wait.',
  },
  [RCAPP_TOO_MANY_LOGINS]: {
    status: 429,
    title: 'Too many login attempts',
    meaning: 'Too many login requests from this address (`LOGIN_RATE_LIMIT`); `Retry-After` says when to try again.',
  },
  [RCAPP_UPSTREAM_ERROR]: {
    status: 502,
    title: 'RingCentral error',
    meaning: 'RingCentral answered with a server error (5xx) or an unreadable response.',
  },
  [RCAPP_UPSTREAM_UNAVAILABLE]: {
    status: 503,
    title: 'RingCentral unreachable',
    meaning: 'RingCentral could not be reached (connection refused, DNS or network failure).',
  },
  [RCAPP_UPSTREAM_TIMEOUT]: {
    status: 504,
    title: 'RingCentral timed out',
    meaning: 'RingCentral did not answer within `UPSTREAM_TIMEOUT_MS`.',
  },
  [RCAPP_SESSION_STORE_UNAVAILABLE]: {
    status: 503,
    title: 'Sessions unavailable',
    meaning: 'The session store could not be reached; try again shortly.',
  },
  [RCAPP_METRICS_UNAUTHORIZED]: {
    status: 401,
    title: 'Metrics token needed',
    meaning: '`GET /metrics` came without `Authorization: Bearer` and the `METRICS_TOKEN` value.',
  },
  [RCAPP_ADMIN_UNAUTHORIZED]: {
    status: 401,
    title: 'Admin token needed',
    meaning: 'An `/admin/` page came without the `ADMIN_TOKEN` value (as `Authorization: Bearer` or Basic password).',
  },
  [RCAPP_INTERNAL]: {
    status: 500,
    title: 'Something went wrong',
    meaning: 'An unexpected error; details are in the server log (request id), never in the page.',
  },
  [RCAPP_CONFIG_INVALID]: {
    status: 500,
    startupOnly: true,
    title: 'Invalid configuration',
    meaning: 'At start: one or more environment variables are invalid; each is listed by name and the process exits.',
  },
} as const satisfies Record<string, ErrorCatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Options common to every app error. */
export interface AppErrorOptions {
  readonly cause?: unknown;
  /** Seconds the client should wait (429). */
  readonly retryAfterSeconds?: number;
  /** Overrides the catalog status (e.g. Fastify's own 413/415 reported as `RCAPP_BAD_REQUEST`). */
  readonly status?: number;
}

/** Base class: a stable `code`, the HTTP `status` that goes with it, and a safe lowercase `message`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? ERROR_CATALOG[code].status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** One invalid configuration variable. */
export interface ConfigProblem {
  readonly variable: string;
  readonly problem: string;
}

/** Every configuration problem at once, by variable name; never echoes secret values. */
export class ConfigError extends AppError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      RCAPP_CONFIG_INVALID,
      `invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

/**
 * RingCentral redirected back with `?error=` (the user cancelled, or the request was refused).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 */
export class OAuthCallbackError extends AppError {
  readonly error: string;
  readonly description: string | undefined;

  constructor(error: string, description: string | undefined) {
    super(
      error === 'access_denied' ? RCAPP_ACCESS_DENIED : RCAPP_LOGIN_FAILED,
      description ? `RingCentral: ${description}` : `RingCentral answered "${error}"`,
    );
    this.error = error;
    this.description = description;
  }
}

/**
 * The RingCentral token or revoke endpoint refused a request (RFC 6749 §5.2 body plus RingCentral's `errors[]`).
 * The raw response body is kept non-enumerable so it never lands in a log by accident.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class TokenEndpointError extends AppError {
  /** RFC 6749 `error`, e.g. `invalid_grant`. */
  readonly error: string;
  /** RingCentral's `error_description`. */
  readonly description: string | undefined;
  /** RingCentral's `errors[0].errorCode`, e.g. `OAU-213`. */
  readonly rcErrorCode: string | undefined;
  /** HTTP status RingCentral answered with. */
  readonly upstreamStatus: number;

  constructor(details: {
    error: string;
    description?: string | undefined;
    rcErrorCode?: string | undefined;
    upstreamStatus: number;
    code?: ErrorCode;
  }) {
    super(
      details.code ?? RCAPP_LOGIN_FAILED,
      details.description ? `RingCentral: ${details.description}` : `RingCentral answered "${details.error}"`,
    );
    this.error = details.error;
    this.description = details.description;
    this.rcErrorCode = details.rcErrorCode;
    this.upstreamStatus = details.upstreamStatus;
  }

  /** True when the grant (code or refresh token) is dead: log in again. */
  get isInvalidGrant(): boolean {
    return this.error === 'invalid_grant';
  }
}

/** RingCentral could not be used: connection refused, timeout, 5xx or a response that is not what the contract says. */
export class UpstreamError extends AppError {
  constructor(
    code: typeof RCAPP_UPSTREAM_ERROR | typeof RCAPP_UPSTREAM_UNAVAILABLE | typeof RCAPP_UPSTREAM_TIMEOUT,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/** A REST call answered with an error status that the HTML pages explain (403 permission, 429 rate limit). */
export class RestApiError extends AppError {
  readonly upstreamStatus: number;
  readonly rcErrorCode: string | undefined;
  readonly permissionName: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details: { upstreamStatus: number; rcErrorCode?: string | undefined; permissionName?: string | undefined },
    options: AppErrorOptions = {},
  ) {
    super(code, message, options);
    this.upstreamStatus = details.upstreamStatus;
    this.rcErrorCode = details.rcErrorCode;
    this.permissionName = details.permissionName;
  }
}

/** True for any error of this catalog. */
export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
