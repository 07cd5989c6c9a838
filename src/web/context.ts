/**
 * @module web/context
 * Everything a route handler needs, built once by `createApp` and passed explicitly (no module-level state).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ExplainContext } from '../rc-api/error-explanations.js';
import type { OAuthClient } from '../oauth/client.js';
import type { RingCentral } from '../ringcentral/client.js';
import type { SessionStore } from '../session/store.js';
import type { Asset } from './assets/index.js';
import type { ChartCache, ExplorerSettings } from './explorer/call-log-explorer.js';
import type { CallLogCopyStore } from './explorer/copy-store.js';
import type { PendingLogins } from './pending-logins.js';
import type { Views } from './views/models.js';
import type { WebSessions } from './web-sessions.js';

/** A demo account shown on the login page when running against the built-in emulator. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly note?: string;
}

/** The per-app context of the route handlers. */
export interface AppContext {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly views: Views;
  readonly assets: readonly Asset[];
  /** The request's session (cookie → store → cipher). */
  readonly sessions: WebSessions;
  /** The session store itself (for `/readyz`). */
  readonly store: SessionStore;
  /** RingCentral: `ringcentral.forSession(session)` is the client of one logged-in session. */
  readonly ringcentral: RingCentral;
  /** The OAuth client description (authorize URL parts for starting a login). */
  readonly oauth: OAuthClient;
  readonly now: () => number;
  /** Where RingCentral is, for page text (e.g. "the built-in RingCentral emulator"). */
  readonly upstreamLabel: string;
  readonly demoUsers: readonly DemoUser[] | undefined;
  /** A login started longer ago than this is refused at the callback. */
  readonly loginTimeoutMs: number;
  /** The logins in progress each client holds (bounded); `undefined` when `LOGIN_RATE_LIMIT=off`. */
  readonly pendingLogins: PendingLogins | undefined;
  /** The call-log explorer's settings, its short-lived chart counts and the users' copies of their call logs. */
  readonly explorer: {
    readonly settings: ExplorerSettings;
    readonly charts: ChartCache;
    readonly copies: CallLogCopyStore;
  };
  /** What the "How to fix" lines of error pages need to know of the app's registration. */
  readonly errorFixes: ExplainContext;
}
