/**
 * @module test/integration/support/raw-http
 * HTTP/1.1 over a plain socket, for the requests `fetch` refuses to send: raw non-UTF-8 bytes in the request
 * target, absolute-form targets, a forged `Host`, repeated `Cookie` headers, bodies on GET. One request per
 * connection (`Connection: close`), 127.0.0.1 only, bounded in time.
 */
import { connect } from 'node:net';

/** What came back. */
export interface RawResponse {
  readonly status: number;
  /** Lower-case names; repeated headers keep every value. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
  /** The whole response head as received (to search for injected header lines). */
  readonly head: string;
}

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  readonly method?: string;
  /** The request target exactly as sent (a `Buffer` for raw bytes). */
  readonly target: string | Buffer;
  /** Header lines in order; `Host` is added unless given. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  readonly timeoutMs?: number;
}

/** Sends one request to `baseUrl` (http://127.0.0.1:port) and reads the response to the end. */
export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers = [...(options.headers ?? [])];
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) headers.unshift(['Host', url.host]);
  headers.push(['Connection', 'close']);
  if (options.body !== undefined) headers.push(['Content-Length', String(Buffer.byteLength(options.body))]);
  const head = Buffer.concat([
    Buffer.from(`${options.method ?? 'GET'} `),
    Buffer.isBuffer(options.target) ? options.target : Buffer.from(options.target, 'latin1'),
    Buffer.from(` HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request timed out after ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    socket.on('connect', () => {
      socket.write(head);
      if (options.body !== undefined) socket.write(options.body);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const headText = end === -1 ? text : text.slice(0, end);
      const [statusLine, ...lines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
      const map = new Map<string, string[]>();
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon < 1) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        map.set(name, [...(map.get(name) ?? []), line.slice(colon + 1).trim()]);
      }
      let body = end === -1 ? '' : text.slice(end + 4);
      if (map.get('transfer-encoding')?.includes('chunked')) body = unchunk(body);
      resolve({ status, headers: map, body: Buffer.from(body, 'latin1').toString('utf8'), head: headText });
    });
  });
}

function unchunk(text: string): string {
  let out = '';
  let rest = text;
  for (let guard = 0; guard < 10_000; guard++) {
    const eol = rest.indexOf('\r\n');
    if (eol === -1) break;
    const size = parseInt(rest.slice(0, eol), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return out;
}
