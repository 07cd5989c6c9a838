/**
 * The user's copy of the call log: which ranges it covers, the records of a narrower range and filters, a page of
 * them, the simple view, an incremental sync merged in by id; and the in-process store's bounds, expiry and logout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  covers,
  mergeSync,
  pageOf,
  selectRecords,
  simpleView,
  type CallLogCopy,
} from '../../../src/web/explorer/call-log-copy.js';
import { COPY_TTL_MS, createMemoryCopyStore } from '../../../src/web/explorer/copy-store.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-05T12:00:00.000Z');

function call(id: string, hoursAgo: number, direction = 'Inbound', type = 'Voice') {
  return { id, startTime: new Date(NOW - hoursAgo * HOUR).toISOString(), direction, type, legs: [{ leg: id }] };
}

const copy: CallLogCopy = {
  scope: 'extension',
  from: NOW - 48 * HOUR,
  asOf: NOW,
  records: [call('a', 1), call('b', 2, 'Outbound'), call('c', 30, 'Inbound', 'Fax'), call('d', 47)],
  syncToken: 'token-1',
};

void describe('call-log copy', () => {
  void it('covers ranges inside it; a copy read up to now covers any end', () => {
    assert.equal(covers(copy, { from: NOW - 24 * HOUR }), true);
    assert.equal(covers(copy, { from: NOW - 48 * HOUR, to: NOW + HOUR }), true);
    assert.equal(covers(copy, { from: NOW - 49 * HOUR }), false);
    assert.equal(covers(copy, {}), false, 'an open start is not known to be inside');
    const past = { ...copy, to: NOW - 10 * HOUR };
    assert.equal(covers(past, { from: NOW - 40 * HOUR, to: NOW - 20 * HOUR }), true);
    assert.equal(covers(past, { from: NOW - 40 * HOUR }), false, 'a copy ending in the past does not hold now');
  });

  void it('selects the records of a range and filters, newest first, and pages them', () => {
    const ids = (records: readonly unknown[]) => records.map((r) => (r as { id: string }).id);
    assert.deepEqual(ids(selectRecords(copy, { from: NOW - 24 * HOUR }, { direction: [], type: [] })), ['a', 'b']);
    assert.deepEqual(ids(selectRecords(copy, { from: NOW - 48 * HOUR }, { direction: ['Inbound'], type: [] })), [
      'a',
      'c',
      'd',
    ]);
    assert.deepEqual(ids(selectRecords(copy, { from: NOW - 48 * HOUR }, { direction: [], type: ['Fax'] })), ['c']);
    const all = selectRecords(copy, { from: NOW - 48 * HOUR }, { direction: [], type: [] });
    assert.deepEqual(pageOf(all, 2, 3), { records: [all[3]], page: 2, perPage: 3, totalPages: 2, totalElements: 4 });
    assert.deepEqual(pageOf([], 1, 10), { records: [], page: 1, perPage: 10, totalPages: 1, totalElements: 0 });
    assert.equal('legs' in (simpleView(all)[0] as object), false, 'the simple view has no legs');
  });

  void it('merges an incremental sync by id, inside the range only, newest first', () => {
    const merged = mergeSync(copy, [call('new', 0.5), call('a', 1), call('old', 60)], 'token-2', NOW + HOUR);
    assert.deepEqual(
      merged.records.map((r) => (r as { id: string }).id),
      ['new', 'a', 'b', 'c', 'd'],
    );
    assert.equal(merged.syncToken, 'token-2');
    assert.equal(merged.asOf, NOW + HOUR);
  });
});

void describe('in-process copy store', () => {
  void it('keeps copies per user, scope and slot; expires them; drops a user’s at logout', async () => {
    let now = NOW;
    const store = createMemoryCopyStore({ now: () => now });
    await store.set('101', 'extension', 'recent', copy);
    await store.set('101', 'account', 'recent', { ...copy, scope: 'account' });
    await store.set('102', 'extension', 'recent', copy);
    assert.equal((await store.get('101', 'extension', 'recent'))?.syncToken, 'token-1');
    assert.equal(await store.get('101', 'extension', 'range'), undefined);
    await store.drop('101');
    assert.equal(await store.get('101', 'extension', 'recent'), undefined);
    assert.equal(await store.get('101', 'account', 'recent'), undefined);
    assert.ok(await store.get('102', 'extension', 'recent'), 'another user’s copy stays');
    now += COPY_TTL_MS;
    assert.equal(await store.get('102', 'extension', 'recent'), undefined, 'expired');
  });

  void it('is bounded in records: the least recently used copies go first', async () => {
    const store = createMemoryCopyStore({ now: () => NOW, maxRecords: 10 });
    await store.set('1', 'extension', 'recent', copy);
    await store.set('2', 'extension', 'recent', copy);
    await store.get('1', 'extension', 'recent');
    await store.set('3', 'extension', 'recent', copy);
    assert.ok(await store.get('1', 'extension', 'recent'), 'recently used: kept');
    assert.equal(await store.get('2', 'extension', 'recent'), undefined, 'least recently used: gone');
    assert.ok(await store.get('3', 'extension', 'recent'));
    const big = { ...copy, records: Array.from({ length: 11 }, (_, i) => call(`x${i}`, i)) };
    await store.set('4', 'extension', 'recent', big);
    assert.equal(await store.get('4', 'extension', 'recent'), undefined, 'larger than the whole store: not kept');
  });
});
