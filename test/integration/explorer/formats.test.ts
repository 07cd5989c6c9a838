/**
 * The explorer's pages share their `Intl.DateTimeFormat`s: making one costs ~170 µs of CPU and ~27 KB of ICU
 * memory that only a garbage collection frees, and made per request they took the app's RSS to ~350 MiB under the
 * soak. Once a zone has been shown, a page in that zone makes none (counted at the constructor, around real
 * requests through the app).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { USER1 } from '../support/fixtures.js';
import { dayInZone, logIn, startStack } from './support.js';

/** Counts `new Intl.DateTimeFormat(…)` while `run` runs (the global is restored after). */
async function countFormatsMade(run: () => Promise<void>): Promise<number> {
  const original = Intl.DateTimeFormat;
  let made = 0;
  Intl.DateTimeFormat = new Proxy(original, {
    construct(target, args: unknown[]) {
      made += 1;
      return Reflect.construct(target, args) as object;
    },
  });
  try {
    await run();
  } finally {
    Intl.DateTimeFormat = original;
  }
  return made;
}

void describe('the explorer’s date formats', () => {
  void it('a call-log page in a zone already shown makes no Intl.DateTimeFormat', async (t) => {
    const stack = await startStack(t);
    const { browser } = await logIn(stack, USER1);
    // A zone no other test of this process shows, so its formats are not made yet.
    const zone = 'Pacific/Chatham';
    const range = `dateFrom=${dayInZone(zone, -20)}&dateTo=${dayInZone(zone, 0)}&tz=${encodeURIComponent(zone)}`;
    const page = (query: string): Promise<void> =>
      browser.page(`/test?api=extension-call-log&${range}${query}`).then((answer) => {
        assert.equal(answer.status, 200, answer.text.slice(0, 300));
        assert.match(answer.text, /Chatham|\+12:45|\+13:45/, 'the page is in the zone asked for');
      });

    const first = await countFormatsMade(() => page('&perPage=25'));
    assert.ok(first > 0, 'the first page in a new zone makes its formats (the counter sees them)');
    const later = await countFormatsMade(async () => {
      await page('&perPage=25&page=2');
      await page('&perPage=50&direction=Inbound');
      await page('&perPage=25&view=Detailed');
    });
    assert.equal(later, 0, 'three more pages in the same zone made none');
  });
});
