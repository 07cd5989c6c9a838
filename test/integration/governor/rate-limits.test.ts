/**
 * `/test` under RingCentral's rate limits, through the governor, against the emulator:
 * - a call that RingCentral would refuse is not sent: the app answers 429 `RCAPP_RATE_LIMITED` "try again in N s"
 *   (JSON and page), and the emulator sees no 429;
 * - a call that fits within the bounded wait waits for its slot and succeeds;
 * - a 429 RingCentral sends anyway is passed on once, then every session of that user is answered locally until
 *   its `Retry-After` has passed (no retry storm, the penalty is not extended), other groups are not held back,
 *   and afterwards calls reach RingCentral again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestEmulator } from '../../helpers/emulator.js';
import { HttpClient } from '../../helpers/http-client.js';
import { USER1 } from '../support/fixtures.js';
import { startGovernedApp } from './support.js';

const JSON_ACCEPT = { accept: 'application/json' };

interface LocalRefusal {
  code: string;
  message: string;
  retryAfterSeconds: number;
}

describe('rate limits through the governor', () => {
  it('a call RingCentral would refuse is answered by the app, and RingCentral sees no 429', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    await emulator.control.limits({ group: 'Heavy', limit: 1, windowSeconds: 60, penaltySeconds: 60 });
    assert.equal((await browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    const before = await emulator.control.stats();

    const json = await browser.get('/test?api=extension-call-log&page=2', JSON_ACCEPT);
    assert.equal(json.status, 429);
    const body = json.json<LocalRefusal>();
    assert.equal(body.code, 'RCAPP_RATE_LIMITED');
    assert.equal(body.retryAfterSeconds, 62, "RingCentral's 60 s window and the 1.2 s margin, rounded up");
    assert.equal(json.headers.get('retry-after'), '62');
    assert.equal(
      body.message,
      'your RingCentral rate limit for "Heavy" requests is used up for now; try again in 62 s',
    );
    const page = await browser.page('/test?api=extension-call-log');
    assert.equal(page.status, 429);
    // A moment later: the same window, a second less when the clock ticked over meanwhile (a busy machine).
    assert.match(page.text, /try again in 6[12] s/);
    assert.match(page.text, /RCAPP_RATE_LIMITED/);

    const after = await emulator.control.stats();
    assert.equal(after['rest.Heavy'], before['rest.Heavy'], 'nothing was sent');
    assert.equal(after.rateLimited, 0, 'RingCentral never had to refuse');
    assert.equal((await browser.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'other groups still work');
    assert.ok(
      app.logLines.some((line) => line.includes('"code":"RCAPP_RATE_LIMITED"')),
      'the refusal is logged by its code',
    );
  });

  it('a call that fits the bounded wait waits for its slot and succeeds', async (t) => {
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator, env: { RATE_LIMIT_MAX_WAIT_MS: '5000' } });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    await emulator.control.limits({ group: 'Heavy', limit: 2, windowSeconds: 1, penaltySeconds: 60 });
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => browser.get('/test?api=extension-call-log', JSON_ACCEPT).then((r) => r.status)),
    );
    const elapsed = performance.now() - started;
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.ok(elapsed >= 2_000, `two windows waited (${Math.round(elapsed)} ms)`);
    assert.equal((await emulator.control.stats()).rateLimited, 0);
  });

  it('a 429 RingCentral sends anyway is passed on once, then every session of the user waits out Retry-After', async (t) => {
    let offsetMs = 0;
    const emulator = await startTestEmulator(t);
    const app = await startGovernedApp(t, { emulator, now: () => Date.now() + offsetMs });
    const browser = new HttpClient(app.url);
    await browser.loginAs(USER1.username, USER1.password);
    const second = new HttpClient(app.url);
    await second.loginAs(USER1.username, USER1.password);
    assert.equal((await browser.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    // RingCentral answers the next call with 429 and Retry-After: 60 (as if another client spent the budget).
    await emulator.control.fault({ route: 'rest', status: 429, count: 1 });
    const first = await browser.get('/test?api=extension-call-log', JSON_ACCEPT);
    assert.equal(first.status, 429);
    assert.equal(first.json<{ errorCode: string }>().errorCode, 'CMN-301', "RingCentral's own 429 body, passed on");
    assert.equal(first.headers.get('retry-after'), '60');
    const before = await emulator.control.stats();

    for (let i = 0; i < 8; i++) {
      const client = i % 2 === 0 ? browser : second;
      const response =
        i % 4 === 3
          ? await client.page('/test?api=account-call-log')
          : await client.get('/test?api=extension-call-log', JSON_ACCEPT);
      assert.equal(response.status, 429, `request ${i}`);
      assert.match(response.text, /RCAPP_RATE_LIMITED/);
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 62, `Retry-After ${retryAfter}`);
      offsetMs += 5_000;
    }
    const after = await emulator.control.stats();
    assert.equal(after['rest.Heavy'], before['rest.Heavy'], 'eight requests from two sessions, no call to RingCentral');
    assert.equal((await second.get('/test?api=extension', JSON_ACCEPT)).status, 200, 'other groups are not held back');

    // Once Retry-After (and the margin) has passed, calls reach RingCentral again.
    offsetMs += 25_000;
    assert.equal((await second.get('/test?api=extension-call-log', JSON_ACCEPT)).status, 200);
    assert.equal((await emulator.control.stats())['rest.Heavy'], before['rest.Heavy']! + 1);
  });
});
