/**
 * @module ringcentral/transport
 * HTTP to the RingCentral REST API over one undici connection pool per RingCentral origin (keep-alive, bounded
 * connect/header/body timeouts, bounded response size). Returns the raw status, headers and body bytes, so an
 * answer can be passed through unchanged. Only transport failures throw; every HTTP status is returned.
 * @see https://developers.ringcentral.com/guide/basics/uri-reference
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { classifyTransportError } from '../rc-api/upstream-errors.js';

/** A RingCentral HTTP response, body unparsed. */
export interface RawAnswer {
  readonly status: number;
  /** Lower-case header names, as undici gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** One request to RingCentral. */
export interface TransportRequest {
  readonly method: string;
  /** Path with its parameters filled in, without the query. */
  readonly path: string;
  readonly query?: URLSearchParams | undefined;
  readonly accessToken: string;
}

/** A request whose answer is streamed: it may carry a body and extra headers (content type, conditionals). */
export interface StreamRequest extends TransportRequest {
  readonly body?: Buffer | undefined;
  /** Lower-case names; `authorization` is always the bearer token and cannot be given here. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A RingCentral HTTP response whose body is read as it arrives (never held whole). */
export interface StreamedAnswer {
  readonly status: number;
  /** Lower-case header names, as undici gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
}

/** Options of {@link createTransport}. */
export interface TransportOptions {
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

/** Requests with a bearer token. */
export interface Transport {
  readonly serverUrl: string;
  /**
   * `<method> <serverUrl><path>[?query]` with `Authorization: Bearer <accessToken>`.
   * @throws {UpstreamError} connection refused/reset (503) or timeout (504)
   */
  send(request: TransportRequest): Promise<RawAnswer>;
  /**
   * Like `send`, but the answer's body is a stream to pass on as it comes. The caller must read or dump it.
   * @throws {UpstreamError} connection refused/reset (503) or timeout (504)
   */
  stream(request: StreamRequest): Promise<StreamedAnswer>;
  /** Resolves when RingCentral answers HTTP at all (any status); rejects when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates the transport. Its keep-alive pool (and undici itself, ~100 ms to load) is created on the first call, so
 * that loading it does not delay the app's start-up: the first page a browser gets needs no RingCentral call.
 */
export function createTransport(options: TransportOptions): Transport {
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
    async send({ method, path, query, accessToken }) {
      const search = query === undefined ? '' : query.toString();
      try {
        return await requestWhole(dispatcher ?? (await pool()), {
          origin,
          path: search === '' ? path : `${path}?${search}`,
          method,
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
      } catch (err) {
        throw classifyTransportError(err, options.timeoutMs) ?? err;
      }
    },
    async stream({ method, path, query, accessToken, body, headers }) {
      const search = query === undefined ? '' : query.toString();
      try {
        const response = await (dispatcher ?? (await pool())).request({
          origin,
          path: search === '' ? path : `${path}?${search}`,
          method,
          headers: { accept: 'application/json', ...headers, authorization: `Bearer ${accessToken}` },
          ...(body === undefined ? {} : { body }),
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        });
        return { status: response.statusCode, headers: response.headers, body: response.body };
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
export function headerValue(headers: RawAnswer['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * One request whose answer is read whole, through undici's dispatcher API: the body's chunks are collected as they
 * arrive. (`request()` hands every answer over as a Readable stream, and reading a small JSON body through it
 * costs more than the body: the stream, its events and their ticks.) A body that arrived in one chunk (most JSON
 * answers) is that chunk, not a copy.
 * @see https://undici.nodejs.org/#/docs/api/Dispatcher?id=dispatcherdispatchoptions-handler
 */
function requestWhole(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new WholeAnswer(resolve, reject));
  });
}

class WholeAnswer implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: RawAnswer) => void;
  readonly #reject: (err: Error) => void;
  #status = 0;
  #headers: RawAnswer['headers'] = {};
  readonly #chunks: Buffer[] = [];
  #length = 0;

  constructor(resolve: (answer: RawAnswer) => void, reject: (err: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(): void {
    // (undici tells a handler of this API from one of the older API by this method)
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: RawAnswer['headers']): void {
    // An informational answer (1xx) comes before the final one.
    if (status < 200) return;
    this.#status = status;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.#length);
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#reject(err);
  }
}
