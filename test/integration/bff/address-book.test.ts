/**
 * The backend for front-ends forwarding every method with RingCentral's address book, over real HTTP through a
 * recording proxy in front of the emulator: POST (create), PUT (full update), PATCH (partial update) and DELETE
 * (204) each reach RingCentral with the browser's body byte for byte, and the browser gets RingCentral's status,
 * content type and body byte for byte; RingCentral's validation error comes back with its status and body as sent.
 * Then a streamed binary answer (an extension's profile image, over 3 MiB): byte for byte with its content type,
 * length and disposition, and its first bytes reach the browser while RingCentral has not finished sending.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROFILE_IMAGE_BYTES, profileImage } from '../../../emulator/rest-profile-image.js';
import type { HttpClient, HttpResponse } from '../../helpers/http-client.js';
import { tokensOf, USER1 } from '../support/fixtures.js';
import type { ProxiedExchange, RecordingProxy } from '../support/recording-proxy.js';
import { startProxiedStack } from './support.js';

const ACCOUNT_ID = 400000001000;
const USER1_ID = ACCOUNT_ID + Number(USER1.extensionNumber);
const CSRF = { 'x-csrf': '1' };
const BOOK = '/restapi/v1.0/account/~/extension/~/address-book/contact';
const IMAGE = '/restapi/v1.0/account/~/extension/~/profile-image';

/** The one exchange RingCentral saw for `method` on a path starting with `path`, since `from`. */
function exchangeOf(proxy: RecordingProxy, from: number, method: string, path: string): ProxiedExchange {
  const found = proxy.seen.slice(from).filter((e) => e.method === method && e.path.startsWith(path));
  assert.equal(found.length, 1, `one ${method} ${path} reached RingCentral`);
  assert.ok(found[0]!.answer?.complete, 'and was answered');
  return found[0]!;
}

/** The browser's answer is RingCentral's: status, content type and body, byte for byte. */
function assertSameAnswer(response: HttpResponse, exchange: ProxiedExchange, status: number): void {
  const answer = exchange.answer!;
  assert.equal(response.status, status, response.text.slice(0, 300));
  assert.equal(answer.status, status);
  assert.equal(response.headers.get('content-type'), answer.headers['content-type'] ?? null);
  assert.ok(response.body.equals(answer.body), 'the body RingCentral sent, byte for byte');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('set-cookie'), null);
}

/** `promise`, or a failure naming `what` after `ms`. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function send(browser: HttpClient, method: string, path: string, body?: string): Promise<HttpResponse> {
  return browser.request(`/api/rc${path}`, {
    method,
    headers: { ...CSRF, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
}

void describe('backend for front-ends: every method with the address book, and a streamed binary answer', () => {
  void it('POST, PUT, PATCH and DELETE are forwarded byte for byte both ways', async (t) => {
    const { app, browser, proxy, emulatorUrl } = await startProxiedStack(t);
    const tokens = await tokensOf(app, browser);
    const atRingCentral = (id: number) =>
      fetch(`${emulatorUrl}${BOOK}/${id}`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });

    // Odd spacing, key order and a non-ASCII name: any re-serialisation on the way would show.
    const createBody =
      '{ "lastName" : "Lovelace",\n  "firstName":"Ada", "email":"ada@example.com", "notes":"Zürich ✓" }';
    let mark = proxy.seen.length;
    const created = await send(browser, 'POST', BOOK, createBody);
    const post = exchangeOf(proxy, mark, 'POST', BOOK);
    assert.equal(post.body.toString('utf8'), createBody, 'the request body RingCentral got, byte for byte');
    assert.equal(post.headers['content-type'], 'application/json');
    assertSameAnswer(created, post, 200);
    const contact = created.json<{ id: number; firstName: string; notes: string }>();
    assert.equal(contact.notes, 'Zürich ✓');

    const putBody = '{"firstName":"Ada","lastName":"King","company":"Analytical Engines"}';
    mark = proxy.seen.length;
    const put = await send(browser, 'PUT', `${BOOK}/${contact.id}`, putBody);
    const putSeen = exchangeOf(proxy, mark, 'PUT', `${BOOK}/${contact.id}`);
    assert.equal(putSeen.body.toString('utf8'), putBody);
    assertSameAnswer(put, putSeen, 200);
    const afterPut = (await (await atRingCentral(contact.id)).json()) as Record<string, unknown>;
    assert.equal(afterPut.lastName, 'King');
    assert.equal(afterPut.email, undefined, 'a full update: what was not sent is gone');

    const patchBody = '{"email":"ada@example.com","company":null}';
    mark = proxy.seen.length;
    const patched = await send(browser, 'PATCH', `${BOOK}/${contact.id}`, patchBody);
    const patchSeen = exchangeOf(proxy, mark, 'PATCH', `${BOOK}/${contact.id}`);
    assert.equal(patchSeen.body.toString('utf8'), patchBody);
    assertSameAnswer(patched, patchSeen, 200);
    const afterPatch = (await (await atRingCentral(contact.id)).json()) as Record<string, unknown>;
    assert.equal(afterPatch.lastName, 'King', 'a partial update keeps what was not sent');
    assert.equal(afterPatch.email, 'ada@example.com');
    assert.equal(afterPatch.company, undefined);

    mark = proxy.seen.length;
    const deleted = await send(browser, 'DELETE', `${BOOK}/${contact.id}`);
    const deleteSeen = exchangeOf(proxy, mark, 'DELETE', `${BOOK}/${contact.id}`);
    assert.equal(deleteSeen.body.length, 0);
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body.length, 0);
    assert.equal((await atRingCentral(contact.id)).status, 404, 'gone at RingCentral');

    // Afterwards, RingCentral's own 404 for the contact comes back as it sent it.
    mark = proxy.seen.length;
    const missing = await send(browser, 'GET', `${BOOK}/${contact.id}`);
    assertSameAnswer(missing, exchangeOf(proxy, mark, 'GET', `${BOOK}/${contact.id}`), 404);
    assert.equal(missing.json<{ errorCode: string }>().errorCode, 'CMN-102');
  });

  void it('RingCentral’s validation error comes back with its status and body as sent', async (t) => {
    const { browser, proxy } = await startProxiedStack(t);
    const mark = proxy.seen.length;
    const refused = await send(browser, 'POST', BOOK, '{"firstName":"Eve","email":"eve-at-example"}');
    const seen = exchangeOf(proxy, mark, 'POST', BOOK);
    assertSameAnswer(refused, seen, 400);
    const body = refused.json<{ errorCode: string; message: string; errors: { parameterName?: string }[] }>();
    assert.equal(body.errorCode, 'CMN-101');
    assert.equal(body.message, 'Parameter [email] value is invalid.');
    assert.equal(body.errors[0]?.parameterName, 'email');
    assert.equal((body as { code?: string }).code, undefined, 'RingCentral’s error, not the app’s');
  });

  void it('streams a binary answer byte for byte with its headers, passing on the first bytes before the rest exist', async (t) => {
    const { app, browser, proxy } = await startProxiedStack(t);
    const expected = profileImage(USER1_ID);
    assert.equal(expected.length, PROFILE_IMAGE_BYTES);

    const whole = await browser.get(`/api/rc${IMAGE}`, CSRF);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'image/png');
    assert.equal(whole.headers.get('content-length'), String(PROFILE_IMAGE_BYTES));
    assert.equal(whole.headers.get('content-disposition'), `inline; filename="profile-image-${USER1_ID}.png"`);
    assert.equal(whole.headers.get('x-rate-limit-group'), 'Medium');
    assert.ok(whole.body.equals(expected), 'every byte, in order');

    // RingCentral (the proxy) sends the first 256 KiB, then nothing until released: the browser must already have
    // the start of the image, which it could not if the app read the answer whole before passing it on.
    const held = 256 * 1024;
    proxy.holdAnswersAfter(held);
    const response = await fetch(`${app.url}/api/rc${IMAGE}`, {
      headers: { ...CSRF, cookie: browser.cookieHeader() },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), String(PROFILE_IMAGE_BYTES));
    const reader = response.body!.getReader();
    const received: Uint8Array[] = [];
    let count = 0;
    while (count < 64 * 1024) {
      // Bounded: an app that read the answer whole would never pass these bytes on while RingCentral holds the rest.
      const { value, done } = await withDeadline(reader.read(), 10_000, 'the first bytes of the image');
      assert.ok(!done, 'the answer did not end early');
      received.push(value);
      count += value.length;
    }
    const exchange = proxy.seen.at(-1)!;
    assert.ok(exchange.path.startsWith(IMAGE));
    assert.equal(exchange.answer?.sent, held, 'RingCentral has sent only the first part so far');
    assert.equal(exchange.answer?.complete, false, 'and has not finished sending');
    assert.ok(count <= held, `the browser got ${count} bytes, no more than RingCentral sent`);

    proxy.release();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      received.push(value);
    }
    const body = Buffer.concat(received);
    assert.equal(body.length, PROFILE_IMAGE_BYTES);
    assert.ok(body.equals(expected), 'every byte, in order, once released');
  });
});
