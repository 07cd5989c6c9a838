/**
 * `RecencyMap`: bounded, drops the least recently used entry, and an entry read since it aged into the older half
 * is never the one dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecencyMap } from '../../src/recency-map.js';

void describe('RecencyMap', () => {
  void it('keeps at most its size, dropping the oldest', () => {
    const map = new RecencyMap<number>(3);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) map.set(key, i);
    assert.equal(map.size, 3);
    assert.equal(map.get('a'), undefined);
    assert.deepEqual(
      ['b', 'c', 'd'].map((key) => map.get(key)),
      [1, 2, 3],
    );
  });

  void it('an entry read after it aged into the older half is kept over one left unread', () => {
    const map = new RecencyMap<string>(4);
    for (const key of ['a', 'b', 'c', 'd']) map.set(key, key);
    assert.equal(map.get('a'), 'a'); // the oldest, read: now the newest
    map.set('e', 'e');
    assert.equal(map.has('a'), true);
    assert.equal(map.has('b'), false, 'b, never read, went first');
  });

  void it('set replaces a value and makes it the newest; delete and clear remove', () => {
    const map = new RecencyMap<number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 10);
    map.set('c', 3);
    assert.equal(map.get('a'), 10);
    assert.equal(map.has('b'), false);
    map.delete('a');
    assert.equal(map.has('a'), false);
    map.clear();
    assert.equal(map.size, 0);
  });

  void it('rejects a size that is not a positive integer', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => new RecencyMap(size), RangeError);
  });
});
