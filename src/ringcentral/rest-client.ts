/**
 * @module ringcentral/rest-client
 * GET calls to the RingCentral REST API over one undici connection pool per RingCentral origin (keep-alive,
 * bounded connect/header/body timeouts, bounded response size). Returns the raw status, headers and body bytes
 * so `/test` can pass RingCentral's JSON through unchanged. Only transport failures throw; every HTTP status
 * is returned to the caller.
 * @see https://developers.ringcentral.com/guide/basics/uri-reference
 */
import type { Dispatcher } from 'undici';
import { classifyTransportError } from './upstream-errors.js';

/** A RingCentral HTTP response, body unparsed. */
export interface RestResponse {
  readonly status: number;
  /** Lower-case header names, as undici gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Options of {@link createRestClient}. */
export interface RestClientOptions {
  /** RingCentral origin, e.g. `https://platform.ringcentral.com`. */
  readonly serverUrl: string;
  /** Bound for connect, for the response headers and for body inactivity (`UPSTREAM_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /** Sockets kept to RingCentral (default 128). */
  readonly connections?: number;
  /** Largest response body accepted (default 16 MiB). */
  readonly maxResponseBytes?: number;
  /** A dispatcher to use instead of the pool (tests: undici `MockAgent`). Not closed by `close()`. */
  readonly dispatcher?: Dispatcher;
}

/** Per-call options, read by the rate-limit governor (see `governor/governed-rest-client.ts`). */
export interface RestCallOptions {
  /** The RingCentral user (extension id, `owner_id`) the call is made for: whose rate-limit budget it spends. */
  readonly owner?: string;
  /** Longest wait for the user's rate-limit budget before the call is refused ("try again in N s"). */
  readonly maxWaitMs?: number;
  /** Aborts a wait for the budget (e.g. the client left). */
  readonly signal?: AbortSignal;
}

/** REST GETs with a bearer token. */
export interface RestClient {
  readonly serverUrl: string;
  /**
   * `GET <serverUrl><path>[?query]` with `Authorization: Bearer <accessToken>`. `options` are for decorators
   * (the rate-limit governor); the plain client ignores them.
   * @throws {UpstreamError} connection refused/reset (503) or timeout (504)
   */
  get(path: string, accessToken: string, query?: URLSearchParams, options?: RestCallOptions): Promise<RestResponse>;
  /** Resolves when RingCentral answers HTTP at all (any status); rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates the client. Its keep-alive pool (and undici itself, ~100 ms to load) is created on the first call, so
 * that loading it does not delay the app's start-up: the first page a browser gets needs no RingCentral call.
 */
export function createRestClient(options: RestClientOptions): RestClient {
  const origin = new URL(options.serverUrl).origin;
  const ownsDispatcher = options.dispatcher === undefined;
  let dispatcher: Dispatcher | undefined = options.dispatcher;
  let creating: Promise<Dispatcher> | undefined;
  const pool = (): Dispatcher | Promise<Dispatcher> =>
    dispatcher ??
    (creating ??= import('undici').then(({ Pool }) => {
      dispatcher = new Pool(origin, {
        connections: options.connections ?? 128,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: options.timeoutMs,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        maxResponseSize: options.maxResponseBytes ?? 16 * 1024 * 1024,
      });
      return dispatcher;
    }));

  return {
    serverUrl: origin,
    async get(path, accessToken, query) {
      const search = query === undefined ? '' : query.toString();
      try {
        const response = await (dispatcher ?? (await pool())).request({
          origin,
          path: search === '' ? path : `${path}?${search}`,
          method: 'GET',
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        const body = Buffer.from(await response.body.arrayBuffer());
        return { status: response.statusCode, headers: response.headers, body };
      } catch (err) {
        throw classifyTransportError(err, options.timeoutMs) ?? err;
      }
    },
    async ping() {
      try {
        const response = await (dispatcher ?? (await pool())).request({
          origin,
          path: '/restapi/v1.0',
          method: 'GET',
          headers: { accept: 'application/json' },
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        await response.body.dump();
      } catch (err) {
        throw classifyTransportError(err, options.timeoutMs) ?? err;
      }
    },
    async close() {
      if (!ownsDispatcher || creating === undefined) return;
      await (await creating).close();
    },
  };
}

/** The first value of a response header. */
export function headerValue(headers: RestResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
