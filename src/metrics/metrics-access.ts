/**
 * @module metrics/metrics-access
 * Who may read `/metrics`. With `METRICS_TOKEN` set: only requests with `Authorization: Bearer <token>` (compared
 * in constant time), from anywhere. Without it: only clients on this machine, i.e. a loopback peer address on
 * the socket itself (never `X-Forwarded-For`) and no proxy headers, so that a reverse proxy on the same host does
 * not make the page public. Everyone else is told the page does not exist.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config (`authorization`)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** `allowed`: serve; `unauthorized`: 401 with a Bearer challenge; `hidden`: 404. */
export type MetricsAccess = 'allowed' | 'unauthorized' | 'hidden';

/** The parts of a request the check reads. */
export interface MetricsRequest {
  readonly headers: IncomingHttpHeaders;
  /** The TCP peer address (`request.socket.remoteAddress`), not a proxy-derived one. */
  readonly remoteAddress: string | undefined;
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;
const BEARER = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Builds the check for one app; `token` is `METRICS_TOKEN` (undefined = loopback only). */
export function createMetricsAccessCheck(token: string | undefined): (request: MetricsRequest) => MetricsAccess {
  if (token === undefined) {
    return (request) => {
      if (!isLoopbackAddress(request.remoteAddress)) return 'hidden';
      for (const name of PROXY_HEADERS) if (request.headers[name] !== undefined) return 'hidden';
      return 'allowed';
    };
  }
  // Digests have equal length whatever was sent, so the comparison leaks neither the token nor its length.
  const expected = digest(token);
  return (request) => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match?.[1] === undefined) return 'unauthorized';
    return timingSafeEqual(digest(match[1]), expected) ? 'allowed' : 'unauthorized';
  };
}
