/**
 * @module rc-api/call-event
 * One event per call the app made to RingCentral (REST and OAuth alike), emitted by the RingCentral client once
 * the call has an outcome. Metrics and the readiness report consume it; neither wraps a client or parses a URL.
 */
import type { OperationId, RateLimitGroup } from './operations.js';

/** How a call ended: the HTTP status, or `error` when no answer came (refused, reset, timed out). */
export type CallOutcome = number | 'error';

/** One call that reached (or tried to reach) RingCentral. Calls the governor refused are not events. */
export interface CallEvent {
  readonly operationId: OperationId;
  /** The group RingCentral named in `X-Rate-Limit-Group`, else the operation's. */
  readonly group: RateLimitGroup;
  readonly outcome: CallOutcome;
  readonly durationMs: number;
  /** The RingCentral user (extension id) the call was made for; `undefined` before a login is complete. */
  readonly owner: string | undefined;
  /** Token calls: which grant (`authorization_code`, `refresh_token`). */
  readonly grant?: 'authorization_code' | 'refresh_token';
  /** Successful token calls: the permissions RingCentral granted (`scope`). */
  readonly scope?: string;
}

/** Receives call events; must not throw or wait (it runs on the request path). */
export type CallListener = (event: CallEvent) => void;
