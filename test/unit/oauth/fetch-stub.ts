/**
 * A `fetch` stub for the OAuth unit tests: each expected call is listed in order with the response to give;
 * any unexpected call fails the test (oauth4webapi's `disableNetConnect` + `assertNoPendingInterceptors`).
 */
import assert from 'node:assert/strict';

export interface RecordedRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: URLSearchParams;
}

type Responder = Response | Error | ((request: RecordedRequest, init: RequestInit) => Response | Promise<Response>);

export interface FetchStub {
  readonly fetch: typeof fetch;
  readonly requests: RecordedRequest[];
  /** Fails unless every expected call was made. */
  assertDone(): void;
}

export function stubFetch(...responders: Responder[]): FetchStub {
  const queue = [...responders];
  const requests: RecordedRequest[] = [];
  const stub = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init.headers);
    const body = new URLSearchParams(
      typeof init.body === 'string' ? init.body : init.body instanceof URLSearchParams ? init.body : '',
    );
    const request = { url, method: init.method ?? 'GET', headers, body };
    requests.push(request);
    const next = queue.shift();
    if (next === undefined) assert.fail(`unexpected request: ${request.method} ${url}`);
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next(request, init) : next;
  }) as typeof fetch;
  return {
    fetch: stub,
    requests,
    assertDone() {
      assert.equal(queue.length, 0, `${queue.length} expected request(s) not made`);
    },
  };
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
  });
}
