/**
 * An HTTP proxy in front of the emulator, for tests that need to see what RingCentral receives and sends: every
 * request's method, path, headers and body, every answer's status, headers and body, all as bytes. Answers are
 * streamed through as they come; `holdAnswersAfter(n)` lets only the first `n` bytes of each answer body through
 * until `release()`, so a test can prove a client got the start of an answer before RingCentral finished sending.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import type { RunningEmulator } from '../../../emulator/index.js';

/** One exchange as the proxy saw it. */
export interface ProxiedExchange {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** RingCentral's answer: `sent` counts the body bytes passed on to the app so far. */
  answer?: { status: number; headers: IncomingHttpHeaders; body: Buffer; complete: boolean; sent: number };
}

export interface RecordingProxy {
  readonly seen: ProxiedExchange[];
  /** What the app is configured with instead of the emulator. */
  readonly emulatorLike: { url: string; registerRedirectUri(uri: string): Promise<void> | void };
  /** From now on, each answer's body stops after `bytes` until {@link release}. */
  holdAnswersAfter(bytes: number): void;
  /** Lets every held answer go on. */
  release(): void;
}

/** Starts the proxy on 127.0.0.1:0; closed in `t.after`. */
export async function startRecordingProxy(t: TestContext, emulator: RunningEmulator): Promise<RecordingProxy> {
  const seen: ProxiedExchange[] = [];
  const target = new URL(emulator.url);
  let holdAfter: number | undefined;
  let released: Promise<void> = Promise.resolve();
  let releaseAll: () => void = () => undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const exchange: ProxiedExchange = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      seen.push(exchange);
      const headers = { ...req.headers, host: target.host };
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
        (answer) => {
          const body: Buffer[] = [];
          const record = {
            status: answer.statusCode ?? 502,
            headers: answer.headers,
            body: Buffer.alloc(0),
            complete: false,
            sent: 0,
          };
          exchange.answer = record;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          const limit = holdAfter;
          const gate = released;
          let passed = 0;
          answer.on('data', (chunk: Buffer) => {
            body.push(chunk);
            if (limit !== undefined && passed + chunk.length > limit) {
              const head = chunk.subarray(0, Math.max(0, limit - passed));
              const rest = chunk.subarray(head.length);
              if (head.length > 0) res.write(head);
              passed += head.length;
              record.sent += head.length;
              answer.pause();
              void gate.then(() => {
                res.write(rest);
                record.sent += rest.length;
                passed = Number.NEGATIVE_INFINITY;
                answer.resume();
              });
              return;
            }
            passed += chunk.length;
            record.sent += chunk.length;
            res.write(chunk);
          });
          answer.on('end', () => {
            record.body = Buffer.concat(body);
            record.complete = true;
            res.end();
          });
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(exchange.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    releaseAll();
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    seen,
    emulatorLike: { url, registerRedirectUri: (uri: string) => emulator.registerRedirectUri(uri) },
    holdAnswersAfter(bytes) {
      holdAfter = bytes;
      released = new Promise<void>((resolve) => (releaseAll = resolve));
    },
    release() {
      holdAfter = undefined;
      releaseAll();
    },
  };
}
