import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedFormatCount, dateTimeFormat } from '../../../src/web/intl-formats.js';

const AT = Date.UTC(2026, 10, 25, 13, 39, 25);

void describe('shared Intl.DateTimeFormats', () => {
  void it('gives the same format for the same locale and options, and formats as a new one would', () => {
    const options = { timeZone: 'Asia/Kathmandu', dateStyle: 'medium', timeStyle: 'short' } as const;
    const a = dateTimeFormat('en-US', options);
    const b = dateTimeFormat('en-US', { ...options });
    assert.equal(a, b, 'one instance');
    assert.equal(a.format(AT), new Intl.DateTimeFormat('en-US', options).format(AT));
    assert.notEqual(dateTimeFormat('en-GB', options), a, 'another locale is another format');
    assert.notEqual(dateTimeFormat('en-US', { ...options, timeZone: 'UTC' }), a, 'another zone is another format');
  });

  void it('throws for an unknown zone as the constructor does, and keeps nothing', () => {
    const before = cachedFormatCount();
    assert.throws(() => dateTimeFormat('en-US', { timeZone: 'Mars/Olympus' }), RangeError);
    assert.equal(cachedFormatCount(), before);
  });

  void it('keeps at most 256 formats, the least recently used going first', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    assert.ok(zones.length > 300);
    const kept = dateTimeFormat('en-US', { timeZone: zones[0], hour: 'numeric' });
    const dropped = dateTimeFormat('en-US', { timeZone: zones[1], hour: 'numeric' });
    for (const zone of zones.slice(2, 300)) {
      dateTimeFormat('en-US', { timeZone: zone, hour: 'numeric' });
      // Used all along: stays the most recently used.
      assert.equal(dateTimeFormat('en-US', { timeZone: zones[0], hour: 'numeric' }), kept);
    }
    assert.equal(cachedFormatCount(), 256);
    assert.equal(dateTimeFormat('en-US', { timeZone: zones[0], hour: 'numeric' }), kept);
    assert.notEqual(dateTimeFormat('en-US', { timeZone: zones[1], hour: 'numeric' }), dropped, 'made anew');
  });
});
