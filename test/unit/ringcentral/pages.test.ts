/* eslint-disable @typescript-eslint/require-await -- the client stub is async like the real client */
/**
 * Reading every page of a list through a session's client: page after page until RingCentral has no next page or
 * the cap is reached (the last page then says it was cut), a RingCentral 429 asked again within the retries, a
 * refusal as the app's error after the pages before it, and nothing more once the caller's signal aborted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { operation, type OperationId } from '../../../src/rc-api/operations.js';
import { toAnswer, type RcAnswer } from '../../../src/ringcentral/answer.js';
import type { CallOptions, SessionClient } from '../../../src/ringcentral/client.js';
import { readPages, type ListPage } from '../../../src/ringcentral/pages.js';

const OP = operation('readUserCallLog');

function answer(status: number, body: unknown, headers: Record<string, string> = {}): RcAnswer {
  return toAnswer(OP, { status, headers, body: Buffer.from(JSON.stringify(body)) });
}

/** A list of `total` records, `perPage` a page; `forced` gives the status of a call by its number (1-based). */
function fakeClient(total: number, perPage: number, forced: Record<number, number> = {}) {
  const pages: number[] = [];
  const client: SessionClient = {
    owner: '101',
    async call(_id: OperationId, options: CallOptions = {}) {
      const page = Number(options.query?.get('page'));
      pages.push(page);
      const status = forced[pages.length];
      if (status === 429) return answer(429, { errorCode: 'CMN-301' }, { 'retry-after': '30' });
      if (status !== undefined) {
        return answer(status, { errorCode: 'InsufficientPermissions', permissionName: 'ReadCallLog' });
      }
      const count = Math.max(0, Math.min(perPage, total - (page - 1) * perPage));
      const records = Array.from({ length: count }, (_, i) => ({ id: `r${(page - 1) * perPage + i}` }));
      const last = Math.max(1, Math.ceil(total / perPage));
      return answer(200, {
        records,
        paging: { page, perPage, totalElements: total, totalPages: last },
        navigation: page < last ? { nextPage: { uri: `https://rc.example/x?page=${page + 1}` } } : {},
      });
    },
    async stream() {
      throw new Error('not used');
    },
    async budget() {
      throw new Error('not used');
    },
    async revoke() {},
  };
  return { client, pages };
}

async function readAll(iterator: AsyncGenerator<ListPage>): Promise<ListPage[]> {
  const out: ListPage[] = [];
  for await (const page of iterator) out.push(page);
  return out;
}

const options = (overrides: Partial<Parameters<typeof readPages>[2]> = {}) => ({
  query: (page: number) => new URLSearchParams({ page: String(page), perPage: '10' }),
  maxPages: 100,
  now: () => 0,
  ...overrides,
});

void describe('reading every page', () => {
  void it('reads page after page until RingCentral has no next page', async () => {
    const { client, pages } = fakeClient(25, 10);
    const read = await readAll(readPages(client, 'readUserCallLog', options()));
    assert.deepEqual(pages, [1, 2, 3]);
    assert.deepEqual(
      read.map((p) => [p.page, p.records.length, p.hasNext, p.totalElements]),
      [
        [1, 10, true, 25],
        [2, 10, true, 25],
        [3, 5, false, 25],
      ],
    );
  });

  void it('asks a page again after a RingCentral 429 (the governor makes it wait), up to the retries', async () => {
    const { client, pages } = fakeClient(15, 10, { 2: 429 });
    const read = await readAll(readPages(client, 'readUserCallLog', options()));
    assert.deepEqual(pages, [1, 2, 2]);
    assert.equal(read.length, 2);
    const stubborn = fakeClient(15, 10, { 1: 429, 2: 429 });
    await assert.rejects(readAll(readPages(stubborn.client, 'readUserCallLog', options({ maxRetries: 1 }))), {
      code: 'RCAPP_RATE_LIMITED',
      retryAfterSeconds: 30,
    });
    assert.deepEqual(stubborn.pages, [1, 1]);
  });

  void it('stops with the refusal after the pages before it', async () => {
    const { client, pages } = fakeClient(50, 10, { 3: 403 });
    const read: ListPage[] = [];
    await assert.rejects(
      (async () => {
        for await (const page of readPages(client, 'readUserCallLog', options())) read.push(page);
      })(),
      { code: 'RCAPP_PERMISSION_DENIED' },
    );
    assert.deepEqual(pages, [1, 2, 3]);
    assert.equal(read.length, 2);
  });

  void it('never reads more than maxPages; the last page read says there was more', async () => {
    const { client, pages } = fakeClient(100, 10);
    const read = await readAll(readPages(client, 'readUserCallLog', options({ maxPages: 4 })));
    assert.deepEqual(pages, [1, 2, 3, 4]);
    assert.equal(read.at(-1)?.hasNext, true);
  });

  void it('does not ask a page again once the signal aborted', async () => {
    const { client, pages } = fakeClient(15, 10, { 1: 429 });
    const stop = new AbortController();
    stop.abort(new Error('the client left'));
    await assert.rejects(readAll(readPages(client, 'readUserCallLog', options({ signal: stop.signal }))), {
      message: 'the client left',
    });
    assert.deepEqual(pages, [1]);
  });
});
