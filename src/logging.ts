/**
 * @module logging
 * The app's pino logger (Fastify uses it as `loggerInstance`): request ids, redaction of credential-bearing
 * headers and fields, URLs with sensitive query values removed, and an error serializer that keeps only
 * type/message/code/stack (never a response body, which could carry tokens). The destination is injectable so
 * tests can read every line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Bindings, type ChildLoggerOptions, type DestinationStream, type Level, type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** Query parameters whose values never reach a log line. */
export const SENSITIVE_QUERY_KEYS: ReadonlySet<string> = new Set([
  'code',
  'state',
  'code_verifier',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'csrf',
  'client_secret',
  'password',
]);

const SENSITIVE_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'access_token',
  'refresh_token',
  'id_token',
  'codeVerifier',
  'code_verifier',
  'clientSecret',
  'client_secret',
  'secret',
  'secrets',
  'csrf',
];

/**
 * pino `redact` paths: credential-bearing headers logged as a top-level `headers` object, and the fields above at
 * the top level of a log object (not `code`/`state`, which name error codes in log objects; their query-string
 * values are removed by {@link sanitizeUrl}). No `*.` wildcards: they made every log line ~4x slower (measured
 * 18 µs vs 4 µs). Nothing under `req` or `res`: their serializers ({@link serializeRequest},
 * {@link serializeResponse}) keep no headers at all, and a redaction path there made pino clone and walk both
 * objects on every request line (~4.6 µs per request, measured with `bench/profile.ts`).
 */
export const REDACT_PATHS: readonly string[] = [
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  ...SENSITIVE_FIELDS.map((field) => (/^[A-Za-z_]+$/.test(field) ? field : `["${field}"]`)),
];

const REDACTED = '[REDACTED]';

/** Matches any query string that could hold a key of {@link SENSITIVE_QUERY_KEYS} (a `%` could encode one). */
const MAY_BE_SENSITIVE = new RegExp(`%|${[...SENSITIVE_QUERY_KEYS].join('|')}`, 'i');

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * The URL with the values of {@link SENSITIVE_QUERY_KEYS} replaced by `[REDACTED]`. Never throws, whatever the
 * encoding of the input.
 */
export function sanitizeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q);
  // Every request line goes through here: skip the split-and-decode when no key can be a sensitive one.
  if (hash === -1 && !MAY_BE_SENSITIVE.test(url.slice(q + 1))) return url;
  const query = url.slice(q + 1, hash === -1 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    return SENSITIVE_QUERY_KEYS.has(decodeKey(rawKey)) ? `${rawKey}=${REDACTED}` : part;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

interface LoggableRequest {
  method?: string;
  url?: string;
  ip?: string;
  id?: string;
}

/** What a request looks like in a log line: method, sanitized URL, client address. No headers at all. */
export function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  return { method: req.method, url: sanitizeUrl(req.url ?? ''), remoteAddress: req.ip };
}

/** What a response looks like in a log line: its status only (no headers, which may set cookies). */
export function serializeResponse(res: { statusCode?: unknown }): Record<string, unknown> {
  return { statusCode: typeof res.statusCode === 'number' ? res.statusCode : undefined };
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  stack?: unknown;
  cause?: unknown;
  constructor?: { name?: string };
}

/**
 * Errors as type/message/code/status/stack, with the cause chain's types and messages. Enumerable extras are
 * dropped on purpose: library errors carry responses and bodies that can contain tokens.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (err === null || typeof err !== 'object') return err;
  const e = err as ErrorLike;
  const out: Record<string, unknown> = {
    type: e.constructor?.name ?? e.name,
    message: typeof e.message === 'string' ? e.message : undefined,
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.status === 'number') out.status = e.status;
  if (typeof e.stack === 'string') out.stack = e.stack;
  if (e.cause !== undefined && depth < 3) {
    out.cause = e.cause instanceof Error ? serializeError(e.cause, depth + 1) : typeof e.cause;
  }
  return out;
}

/** Pending text at which a batch is written at once rather than at the end of the event-loop turn. */
export const BATCH_MAX_CHARS = 64 * 1024;

/** What a batch is written to (pino's synchronous destination for stdout; tests pass a recorder). */
export interface LineSink {
  write(text: string): unknown;
}

/** A pino destination that writes its lines in batches; `flush()` writes what is pending now. */
export interface BatchedDestination extends DestinationStream {
  flush(callback?: (err?: Error) => void): void;
}

/**
 * Lines logged in one turn of the event loop go out together, in one write at the end of that turn (or at once
 * when they reach {@link BATCH_MAX_CHARS}), in the order they were logged. Under load that is one system call
 * for every request answered in the turn instead of one per line: in `bench/profile.ts` the request line went from
 * 7.5% to 4.7% of the app's busy time. A line waits at most until the current turn ends; `flush()` (which pino's
 * `logger.flush()` calls) writes at once.
 */
export function createBatchedDestination(sink: LineSink): BatchedDestination {
  let pending: string[] = [];
  let chars = 0;
  let scheduled = false;
  const flush = (): void => {
    if (chars === 0) return;
    const text = pending.length === 1 ? (pending[0] ?? '') : pending.join('');
    pending = [];
    chars = 0;
    sink.write(text);
  };
  const onTurnEnd = (): void => {
    scheduled = false;
    flush();
  };
  return {
    write(line: string) {
      pending.push(line);
      chars += line.length;
      if (chars >= BATCH_MAX_CHARS) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(onTurnEnd);
      }
    },
    flush(callback) {
      try {
        flush();
      } catch (err) {
        callback?.(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      callback?.();
    },
  };
}

let stdout: BatchedDestination | undefined;

/**
 * Standard output, batched (see {@link createBatchedDestination}) over pino's synchronous destination, which
 * retries a full pipe (`EAGAIN`) and partial writes. Standard output is one per process, so every logger shares
 * one batch (lines keep their order), and what is pending is written when the process exits, `process.exit`
 * included: nothing logged is lost, and the line that says the app is stopping comes before it stops.
 */
function stdoutDestination(): DestinationStream {
  if (stdout === undefined) {
    const destination = createBatchedDestination(pino.destination({ dest: 1, sync: true }));
    process.once('exit', () => destination.flush());
    stdout = destination;
  }
  return stdout;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream that records every line. */
  readonly destination?: DestinationStream;
}

/** The app logger. Pass it to Fastify as `loggerInstance`. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      serializers: { req: serializeRequest, res: serializeResponse, err: serializeError, error: serializeError },
      base: { pid: process.pid },
    },
    options.destination ?? stdoutDestination(),
  );
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Fastify `genReqId`: the caller's `X-Request-Id` when it is a plain token (so ids can be followed across
 * proxies), otherwise a random UUID. Anything else is ignored to keep log injection out.
 */
export function generateRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming)) return incoming;
  return randomUUID();
}

const ACCESS_MESSAGE = 'request completed';

/** Printable ASCII but `"` and `\\`: a JSON string as it is. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `text` as a JSON string (`JSON.stringify` only when something needs escaping). */
function quote(text: string): string {
  return PLAIN_JSON_TEXT.test(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * The completion line of a request, as pino writes it for
 * `log.child({ reqId }).info({ req, res, responseTime }, 'request completed')` through {@link createLogger}'s
 * serializers (test: "the completion line is the one pino writes for the request's child logger",
 * test/unit/web/logging.test.ts), with `responseTime` (ms) to the microsecond. Every request writes one: pino's
 * general path (a child logger per request, the merge object walked key by key, serializers looked up, redaction
 * applied) is the larger share of the cost of logging, and nothing in this line needs it (its fields are fixed; the
 * URL is sanitized here).
 */
export function formatCompletionLine(
  chindings: string,
  time: number,
  reqId: string,
  request: LoggableRequest,
  statusCode: number,
  responseTime: number,
): string {
  const address = request.ip === undefined ? '' : `,"remoteAddress":${quote(request.ip)}`;
  const method = request.method === undefined ? '' : `"method":${quote(request.method)},`;
  return (
    `{"level":30,"time":${time}${chindings},"reqId":${quote(reqId)},` +
    `"req":{${method}"url":${quote(sanitizeUrl(request.url ?? ''))}${address}},` +
    `"res":{"statusCode":${statusCode}},"responseTime":${Math.round(responseTime * 1000) / 1000},` +
    `"msg":"${ACCESS_MESSAGE}"}\n`
  );
}

/**
 * Fastify's per-request logging reduced to one line per request ("request completed": method, sanitized URL,
 * status, time) instead of two; errors are logged by the app's error handler. The completion line is written
 * straight to the app logger's destination ({@link formatCompletionLine}); a request that failed is logged through
 * pino.
 */
export class RequestLogController extends LogController {
  readonly #logger: Logger;
  readonly #stream: DestinationStream;
  readonly #chindings: string;

  constructor(logger: Logger) {
    super();
    this.#logger = logger;
    const internals = logger as unknown as Record<symbol, unknown>;
    this.#stream = internals[pino.symbols.streamSym] as DestinationStream;
    this.#chindings = internals[pino.symbols.chindingsSym] as string;
  }

  override incomingRequest(): void {
    // one line per request, written on completion
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    } else if (this.#logger.isLevelEnabled('info')) {
      this.#stream.write(
        formatCompletionLine(this.#chindings, Date.now(), request.id, request, reply.statusCode, reply.elapsedTime),
      );
    }
  }
}

/**
 * `request.log`: the app logger with the request id bound, made (a pino child) only when the request logs a line
 * of its own. Most requests log nothing but their completion line, which {@link RequestLogController} writes
 * without a child logger. Fastify's `childLoggerFactory`.
 */
export function createRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new RequestLogger(parent as Logger, bindings, options);
}

class RequestLogger implements FastifyBaseLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): Logger {
    this.#child ??= this.#parent.child(this.#bindings, this.#options);
    return this.#child;
  }

  #log(level: Level, args: unknown[]): void {
    // No child is made for a line below the level (unless the route sets a level of its own).
    if (this.#child === undefined && this.#options.level === undefined && !this.#parent.isLevelEnabled(level)) return;
    const write: (...line: unknown[]) => void = this.#logger()[level];
    write.apply(this.#child, args);
  }

  get level(): string {
    return this.#logger().level;
  }

  set level(level: string) {
    this.#logger().level = level;
  }

  fatal(...args: unknown[]): void {
    this.#log('fatal', args);
  }

  error(...args: unknown[]): void {
    this.#log('error', args);
  }

  warn(...args: unknown[]): void {
    this.#log('warn', args);
  }

  info(...args: unknown[]): void {
    this.#log('info', args);
  }

  debug(...args: unknown[]): void {
    this.#log('debug', args);
  }

  trace(...args: unknown[]): void {
    this.#log('trace', args);
  }

  silent(): void {
    // pino's `silent` writes nothing
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}
