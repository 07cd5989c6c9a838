/**
 * @module bench/lib/load
 * The load generator: autocannon's programmatic API (keep-alive connections, closed loop by default or a fixed
 * overall rate). Latency percentiles are computed from every response's own sub-millisecond time (autocannon's
 * histogram has 1 ms resolution, too coarse for "the app adds ≤ 5 ms"). Non-2xx answers and errors are counted
 * so every scenario can assert there were none.
 *
 * Fixed-rate runs use {@link runPaced} instead of autocannon's `overallRate`: autocannon spends each second's
 * quota as fast as it can and then idles, so its "fixed rate" is a burst per second that measures queueing.
 */
import { createRequire } from 'node:module';
import { Pool } from 'undici';
import { percentile } from './stats.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}

type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  overallRate?: number;
  timeout?: number;
}) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** One load run. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly headers?: Record<string, string>;
  /** Fixed overall request rate (requests/s); closed loop (as fast as answers come) when absent. */
  readonly overallRate?: number;
}

/** What one run measured. */
export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly total: number;
  /** Latency percentiles of 2xx responses, ms. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  /** First non-2xx status seen (for error messages). */
  readonly firstBadStatus?: number;
}

/** Runs autocannon once and collects every 2xx response time. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
  });
  const times: number[] = [];
  let firstBadStatus: number | undefined;
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
    else firstBadStatus ??= status;
  });
  const result = await instance;
  return {
    requestsPerSecond: result.requests.total / Math.max(result.duration, 0.001),
    total: result.requests.total,
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(firstBadStatus === undefined ? {} : { firstBadStatus }),
  };
}

/** Throws when a run had errors or non-2xx answers (throughput figures would be meaningless). */
export function assertClean(label: string, result: LoadResult): void {
  if (result.errors > 0 || result.non2xx > 0) {
    throw new Error(
      `${label}: ${result.errors} errors and ${result.non2xx} non-2xx answers` +
        (result.firstBadStatus === undefined ? '' : ` (first: HTTP ${result.firstBadStatus})`),
    );
  }
  if (result.total === 0) throw new Error(`${label}: no request completed`);
}

/** One paced (open-loop) run. */
export interface PacedOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second, sent at even intervals whatever the answers do. */
  readonly rate: number;
  readonly headers?: Record<string, string>;
}

/**
 * Sends requests at even intervals (open loop) over a keep-alive pool of `connections` sockets and measures each
 * from its *scheduled* send time, so a slow answer that delays later requests is counted against the server
 * (no coordinated omission). The send loop is bounded by the duration and the answers by a 10 s timeout.
 */
export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const path = `${target.pathname}${target.search}`;
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSeconds);
  const times: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let firstBadStatus: number | undefined;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  try {
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      // Late (the loop was held up): count from when it was due. Early (timer granularity): from the send.
      const from = Math.min(due, performance.now());
      pending.push(
        pool
          .request({
            path,
            method: 'GET',
            ...(options.headers === undefined ? {} : { headers: options.headers }),
            headersTimeout: 10_000,
            bodyTimeout: 10_000,
          })
          .then(async (response) => {
            await response.body.dump();
            if (response.statusCode >= 200 && response.statusCode < 300) times.push(performance.now() - from);
            else {
              non2xx++;
              firstBadStatus ??= response.statusCode;
            }
          })
          .catch(() => {
            errors++;
          }),
      );
    }
    await Promise.all(pending);
  } finally {
    await pool.close();
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    requestsPerSecond: times.length / elapsed,
    total: times.length + non2xx,
    p50: percentile(times, 50),
    p90: percentile(times, 90),
    p99: percentile(times, 99),
    errors,
    non2xx,
    ...(firstBadStatus === undefined ? {} : { firstBadStatus }),
  };
}
