/**
 * @module web/context
 * Everything a route handler needs, built once by `createApp` and passed explicitly (no module-level state).
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { OAuthClient } from '../oauth/client.js';
import type { RestClient } from '../ringcentral/rest-client.js';
import type { SessionStore } from '../session/store.js';
import type { Asset } from './assets/index.js';
import type { PendingLogins } from './pending-logins.js';
import type { Views } from './views/models.js';
import type { TokenKeeper } from './token-keeper.js';
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
  readonly sessions: WebSessions;
  readonly store: SessionStore;
  readonly keeper: TokenKeeper;
  readonly oauth: OAuthClient;
  readonly rest: RestClient;
  readonly now: () => number;
  /** Where RingCentral is, for page text (e.g. "the built-in RingCentral emulator"). */
  readonly upstreamLabel: string;
  readonly demoUsers: readonly DemoUser[] | undefined;
  /** A login started longer ago than this is refused at the callback. */
  readonly loginTimeoutMs: number;
  /** The logins in progress each client holds (bounded); `undefined` when `LOGIN_RATE_LIMIT=off`. */
  readonly pendingLogins: PendingLogins | undefined;
}
