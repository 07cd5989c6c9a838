import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RestResponse } from '../../../src/ringcentral/rest-client.js';
import { readCallLogPages, type CallLogPage, type ReadPagesOptions } from '../../../src/web/explorer/call-log-pages.js';
import { createRateBudget } from '../../../src/web/explorer/rate-budget.js';

interface FakeRingCentral {
  /** Pages fetched, in order. */
  readonly calls: number[];
  /** Waits asked for, in ms. */
  readonly waits: number[];
  now: number;
  options(overrides?: Partial<ReadPagesOptions>): ReadPagesOptions;
}

/**
 * A RingCentral call log of `total` records, `perPage` a page, with a sliding Heavy window of `limit` calls per
 * `windowSeconds` on a fake clock that only the sleep moves. `answers` can force statuses per call number.
 */
function fakeRingCentral(
  total: number,
  perPage: number,
  limit = 10,
  windowSeconds = 60,
  answers: Record<number, number> = {},
): FakeRingCentral {
  const sent: number[] = [];
  const state: FakeRingCentral = {
    calls: [],
    waits: [],
    now: 0,
    options(overrides = {}) {
      const budget = createRateBudget({ now: () => state.now, marginMs: 0 });
      return {
        budget,
        subject: 'u1',
        now: () => state.now,
        reserve: 1,
        maxPages: 100,
        signal: new AbortController().signal,
        sleep: (ms) => {
          state.waits.push(ms);
          state.now += ms;
          return Promise.resolve();
        },
        errorFor: (response) => new Error(`HTTP ${response.status}`),
        fetchPage: (page) => {
          state.calls.push(page);
          const forced = answers[state.calls.length];
          const inWindow = sent.filter((t) => t > state.now - windowSeconds * 1000);
          if (forced === 429 || inWindow.length >= limit) {
            return Promise.resolve(answer(429, {}, { 'retry-after': '30' }));
          }
          sent.push(state.now);
          if (forced !== undefined) return Promise.resolve(answer(forced, { errorCode: 'X' }));
          const records = Array.from(
            { length: Math.max(0, Math.min(perPage, total - (page - 1) * perPage)) },
            (_, i) => ({
              id: `r${(page - 1) * perPage + i}`,
            }),
          );
          const totalPages = Math.ceil(total / perPage);
          const navigation: Record<string, unknown> = { firstPage: { uri: 'x' } };
          if (page < totalPages) navigation.nextPage = { uri: 'x' };
          return Promise.resolve(
            answer(
              200,
              { records, paging: { page, totalPages, perPage, totalElements: total }, navigation },
              {
                'x-rate-limit-group': 'Heavy',
                'x-rate-limit-limit': String(limit),
                'x-rate-limit-remaining': String(limit - inWindow.length - 1),
                'x-rate-limit-window': String(windowSeconds),
              },
            ),
          );
        },
        ...overrides,
      };
    },
  };
  return state;
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): RestResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

async function readAll(options: ReadPagesOptions): Promise<CallLogPage[]> {
  const pages: CallLogPage[] = [];
  for await (const page of readCallLogPages(options)) pages.push(page);
  return pages;
}

void describe('reading every page of a call log', () => {
  void it('reads page after page until RingCentral has no next page', async () => {
    const rc = fakeRingCentral(250, 100);
    const pages = await readAll(rc.options());
    assert.deepEqual(rc.calls, [1, 2, 3]);
    assert.deepEqual(
      pages.map((p) => p.records.length),
      [100, 100, 50],
    );
    assert.equal(pages[0]!.totalElements, 250);
    assert.deepEqual(
      pages.map((p) => p.hasNext),
      [true, true, false],
    );
    assert.deepEqual(rc.waits, []);
  });

  void it('waits for the window instead of spending the reserve, and never meets a 429', async () => {
    const rc = fakeRingCentral(2000, 100, 5, 10);
    const pages = await readAll(rc.options());
    assert.equal(pages.length, 20);
    assert.deepEqual(
      rc.calls,
      Array.from({ length: 20 }, (_, i) => i + 1),
      'no page was asked twice: no 429',
    );
    // 4 calls per window (one kept for the user), so 20 pages need 4 waits of a whole window.
    assert.deepEqual(rc.waits, [10_000, 10_000, 10_000, 10_000]);
  });

  void it('waits out a 429 for its Retry-After and asks again', async () => {
    const rc = fakeRingCentral(300, 100, 10, 60, { 2: 429 });
    const pages = await readAll(rc.options());
    assert.equal(pages.length, 3);
    assert.deepEqual(rc.calls, [1, 2, 2, 3]);
    assert.deepEqual(rc.waits, [30_000]);
  });

  void it('gives up after the allowed retries with the error of the last answer', async () => {
    const rc = fakeRingCentral(300, 100, 10, 60, { 1: 429, 2: 429 });
    await assert.rejects(readAll(rc.options({ maxRetries: 1 })), /HTTP 429/);
    assert.deepEqual(rc.calls, [1, 1]);
  });

  void it('stops with the mapped error on a refusal, after the pages before it', async () => {
    const rc = fakeRingCentral(300, 100, 10, 60, { 2: 403 });
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const page of readCallLogPages(rc.options())) seen.push(page.page);
    }, /HTTP 403/);
    assert.deepEqual(seen, [1]);
  });

  void it('stops at the next wait once aborted, without another call', async () => {
    const rc = fakeRingCentral(2000, 100, 3, 60);
    const stop = new AbortController();
    const options = rc.options({
      signal: stop.signal,
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
          stop.abort(new Error('client left'));
        }),
    });
    await assert.rejects(readAll(options), /client left/);
    assert.deepEqual(rc.calls, [1, 2], 'two calls, then the wait was cut short');
  });

  void it('never reads more than maxPages', async () => {
    const rc = fakeRingCentral(5000, 100);
    const pages = await readAll(rc.options({ maxPages: 3 }));
    assert.equal(pages.length, 3);
    assert.equal(pages[2]!.hasNext, true, 'the caller can tell the result was cut');
  });
});
