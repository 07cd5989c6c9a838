/**
 * @module ringcentral/client
 * One RingCentral client per logged-in session: `ringcentral.forSession(session).call('readUserCallLog', …)`.
 * Every call to RingCentral, REST and OAuth alike, goes through here, and this module alone owns, for each call:
 * - a fresh access token (the token keeper: refresh ahead of expiry and once on a 401; single flight in the
 *   process and, on Redis, across instances; new tokens saved with compare-and-set);
 * - whose call it is: the session's `owner_id`, known from the login's token answer (nothing is guessed from
 *   tokens or URLs);
 * - the one rate-limit model: the call takes its slot in the governor for (owner, the operation's group);
 * - one typed {@link CallEvent} per call that reached RingCentral, for the metrics and the readiness report.
 * The operation is data (`rc-api/operations.ts`): its path, method, group and permission come from one row.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import type { Logger } from 'pino';
import type { AnswerView, GovernedCall, RateGovernor } from '../governor/rate-governor.js';
import type { BudgetSnapshot } from '../governor/budget-store.js';
import type { AnswerObserver, OAuthClient } from '../oauth/client.js';
import { exchangeCode, refreshTokens, revokeToken } from '../oauth/token.js';
import type { TokenSet } from '../oauth/types.js';
import type { CallEvent, CallListener, CallOutcome } from '../rc-api/call-event.js';
import {
  expandPath,
  operation,
  toRateLimitGroup,
  type Operation,
  type OperationId,
  type RateLimitGroup,
} from '../rc-api/operations.js';
import type { Session, SessionManager } from '../session/session-manager.js';
import { toAnswer, type RcAnswer } from './answer.js';
import { createLocalRefreshCoordinator, type RefreshCoordinator } from './refresh-coordinator.js';
import { createTokenKeeper, type TokenKeeper } from './token-keeper.js';
import { headerValue, type StreamedAnswer, type Transport } from './transport.js';

/** How one call is made. */
export interface CallOptions {
  /** Path parameters; `accountId` and `extensionId` default to `~` (the token's own). */
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: URLSearchParams | undefined;
  /** Longest wait for the user's rate-limit slot (default: `RATE_LIMIT_MAX_WAIT_MS`); then 429 "try again in N s". */
  readonly maxWaitMs?: number;
  /** Aborts a wait for the slot (e.g. the client left). */
  readonly signal?: AbortSignal;
}

/** How one streamed call is made: a call with a request body and headers to forward. */
export interface StreamOptions extends CallOptions {
  readonly body?: Buffer | undefined;
  /** Request headers to forward (lower-case; never `authorization`, which is the session's token). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** RingCentral's answer to a streamed call: status and headers now, the body as it arrives. */
export interface RcStream extends StreamedAnswer {
  readonly operation: Operation;
  header(name: string): string | undefined;
}

/** The RingCentral client of one logged-in session. */
export interface SessionClient {
  /** The RingCentral user (extension id) the session is logged in as. */
  readonly owner: string;
  /**
   * Calls the operation for this session's user and returns RingCentral's answer, whatever its status.
   * @throws {AppError} `RCAPP_RATE_LIMITED` (the slot is further away than `maxWaitMs`), `RCAPP_NOT_LOGGED_IN`
   * (the session ended meanwhile), `RCAPP_SESSION_ENDED` (RingCentral no longer accepts the refresh token),
   * upstream errors (RingCentral unreachable or timed out)
   */
  call(operationId: OperationId, options?: CallOptions): Promise<RcAnswer>;
  /**
   * Like `call`, with the operation's method, a request body and headers, and the answer's body streamed (for
   * passing RingCentral's answer on byte for byte, binary ones included, without holding it whole).
   */
  stream(operationId: OperationId, options?: StreamOptions): Promise<RcStream>;
  /** The user's rate-limit budget of `group` as the governor sees it now. */
  budget(group: RateLimitGroup): Promise<BudgetSnapshot>;
  /** Revokes the login at RingCentral (either token ends the whole RingCentral session). Rejects on failure. */
  revoke(): Promise<void>;
}

/** The app's RingCentral client. */
export interface RingCentral {
  /** The client of a logged-in session (cheap: make one per request). */
  forSession(session: Session): SessionClient;
  /** The login's code exchange (the user is known only from the answer). */
  exchangeCode(callbackParams: URLSearchParams, codeVerifier: string): Promise<TokenSet>;
  /** Resolves when RingCentral answers HTTP at all. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link createRingCentral}. */
export interface RingCentralOptions {
  readonly transport: Transport;
  readonly oauth: OAuthClient;
  readonly sessions: SessionManager;
  readonly governor: RateGovernor;
  /** Single flight of refreshes; default: in this process only. */
  readonly coordinator?: RefreshCoordinator;
  /** Told of every call that reached RingCentral (metrics, readiness). */
  readonly listeners?: readonly CallListener[];
  /** Told the outcome of each request that needed new tokens (see `TokenKeeperOptions.onRefreshOutcome`). */
  readonly onRefreshOutcome?: (outcome: 'ok' | 'failed' | 'coalesced') => void;
  readonly now: () => number;
  readonly logger: Logger;
}

/** The governor reads a REST answer as it is (it has `status` and `header`). */
const answerItself = (answer: RcAnswer): AnswerView => answer;

/** An answer the governor reads when no HTTP answer came. */
const NO_ANSWER: AnswerView = { status: 0, header: () => undefined };

/** What one OAuth call produced: its value or error, and RingCentral's answer when one came. */
type OAuthOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly view: AnswerView }
  | { readonly ok: false; readonly error: unknown; readonly view: AnswerView | undefined };

function viewOf(response: Response): AnswerView {
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined };
}

/** Creates the client of one app instance. */
export function createRingCentral(options: RingCentralOptions): RingCentral {
  const { transport, oauth, governor, logger } = options;
  const listeners = options.listeners ?? [];
  const tokenOperation = operation('getToken');
  const revokeOperation = operation('revokeToken');

  function emit(event: CallEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        logger.warn({ err }, 'a RingCentral call listener failed');
      }
    }
  }

  function eventOf(op: Operation, owner: string | undefined, outcome: CallOutcome, started: number, view?: AnswerView) {
    return {
      operationId: op.id,
      group: toRateLimitGroup(view?.header('x-rate-limit-group')) ?? op.group,
      outcome,
      durationMs: performance.now() - started,
      owner: owner === '' ? undefined : owner,
    };
  }

  /** Runs `send` in the owner's rate-limit slot (ungoverned when the owner is unknown). */
  function governed<T>(
    op: Operation,
    owner: string | undefined,
    limits: Pick<CallOptions, 'maxWaitMs' | 'signal'>,
    send: () => Promise<T>,
    read: (answer: T) => AnswerView,
  ): Promise<T> {
    if (owner === undefined || owner === '') return send();
    const call: GovernedCall =
      limits.maxWaitMs === undefined && limits.signal === undefined
        ? { owner, group: op.group }
        : {
            owner,
            group: op.group,
            ...(limits.maxWaitMs === undefined ? {} : { maxWaitMs: limits.maxWaitMs }),
            ...(limits.signal === undefined ? {} : { signal: limits.signal }),
          };
    return governor.run(call, send, read);
  }

  /** A REST call with a given access token: governed, sent, counted. */
  async function rest(op: Operation, owner: string, accessToken: string, callOptions: CallOptions): Promise<RcAnswer> {
    const path = expandPath(op, callOptions.params);
    return governed(
      op,
      owner,
      callOptions,
      async () => {
        const started = performance.now();
        let answer: RcAnswer;
        try {
          answer = toAnswer(
            op,
            await transport.send({ method: op.method, path, query: callOptions.query, accessToken }),
          );
        } catch (err) {
          emit(eventOf(op, owner, 'error', started));
          throw err;
        }
        emit(eventOf(op, owner, answer.status, started, answer));
        return answer;
      },
      answerItself,
    );
  }

  /** A streamed call with a given access token: governed, sent, counted once its headers are in. */
  async function streamed(
    op: Operation,
    owner: string,
    accessToken: string,
    callOptions: StreamOptions,
  ): Promise<RcStream> {
    const path = expandPath(op, callOptions.params);
    const view = (answer: StreamedAnswer): AnswerView => ({
      status: answer.status,
      header: (name) => headerValue(answer.headers, name),
    });
    return governed(
      op,
      owner,
      callOptions,
      async () => {
        const started = performance.now();
        let answer: StreamedAnswer;
        try {
          answer = await transport.stream({
            method: op.method,
            path,
            query: callOptions.query,
            accessToken,
            body: callOptions.body,
            ...(callOptions.headers === undefined ? {} : { headers: callOptions.headers }),
          });
        } catch (err) {
          emit(eventOf(op, owner, 'error', started));
          throw err;
        }
        const seen = view(answer);
        emit(eventOf(op, owner, answer.status, started, seen));
        return { ...answer, operation: op, header: (name: string) => seen.header(name) };
      },
      view,
    );
  }

  /** A token or revoke call: governed when the user is known, counted with its grant and granted scope. */
  async function oauthCall<T>(
    op: Operation,
    owner: string | undefined,
    grant: CallEvent['grant'],
    run: (observe: AnswerObserver) => Promise<T>,
    scopeOf: (value: T) => string | undefined,
  ): Promise<T> {
    const attempt = async (): Promise<OAuthOutcome<T>> => {
      const started = performance.now();
      let seen: AnswerView | undefined;
      const observe: AnswerObserver = (response) => {
        seen = viewOf(response);
      };
      try {
        const value = await run(observe);
        const view = seen ?? { status: 200, header: () => undefined };
        const scope = scopeOf(value);
        emit({
          ...eventOf(op, owner, view.status, started, view),
          ...(grant === undefined ? {} : { grant }),
          ...(scope === undefined ? {} : { scope }),
        });
        return { ok: true, value, view };
      } catch (error) {
        emit({
          ...eventOf(op, owner, seen?.status ?? 'error', started, seen),
          ...(grant === undefined ? {} : { grant }),
        });
        return { ok: false, error, view: seen };
      }
    };
    const outcome = await governed(op, owner, {}, attempt, (result) => result.view ?? NO_ANSWER);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  const revokeTokens = (tokens: TokenSet): Promise<void> =>
    oauthCall(
      revokeOperation,
      tokens.ownerId,
      undefined,
      // Revoking either token ends the whole RingCentral session; the refresh token lives longer.
      (observe) => revokeToken(oauth, tokens.refreshToken ?? tokens.accessToken, observe),
      () => undefined,
    );

  const keeper: TokenKeeper = createTokenKeeper({
    sessions: options.sessions,
    coordinator: options.coordinator ?? createLocalRefreshCoordinator(),
    now: options.now,
    logger,
    refresh: (refreshToken, owner) =>
      oauthCall(
        tokenOperation,
        owner,
        'refresh_token',
        (observe) => refreshTokens(oauth, refreshToken, observe),
        (tokens) => tokens.scope,
      ),
    revoke: revokeTokens,
    ...(options.onRefreshOutcome === undefined ? {} : { onRefreshOutcome: options.onRefreshOutcome }),
  });

  return {
    forSession(session) {
      const owner = session.data.tokens?.ownerId ?? '';
      return {
        owner,
        call(operationId, callOptions = {}) {
          const op = operation(operationId);
          return keeper.withAccessToken(session, (accessToken) => rest(op, owner, accessToken, callOptions));
        },
        stream(operationId, callOptions = {}) {
          const op = operation(operationId);
          return keeper.withAccessToken(
            session,
            (accessToken) => streamed(op, owner, accessToken, callOptions),
            // The 401's (small) body is read to its end and dropped, so the connection serves the retry.
            (answer) => {
              answer.body.on('error', () => undefined);
              answer.body.resume();
            },
          );
        },
        budget(group) {
          return governor.snapshot(owner, group);
        },
        async revoke() {
          const tokens = session.data.tokens;
          if (tokens !== undefined) await revokeTokens(tokens);
        },
      };
    },

    async exchangeCode(callbackParams, codeVerifier) {
      let answer: AnswerView | undefined;
      const tokens = await oauthCall(
        tokenOperation,
        undefined,
        'authorization_code',
        (observe) =>
          exchangeCode(oauth, callbackParams, codeVerifier, (response) => {
            answer = viewOf(response);
            observe(response);
          }),
        (value) => value.scope,
      );
      // The user is known only now: the exchange counts in their Auth budget after the fact.
      if (tokens.ownerId !== '' && answer !== undefined) await governor.record(tokens.ownerId, 'Auth', answer);
      return tokens;
    },

    ping: () => transport.ping(),
    close: () => transport.close(),
  };
}
