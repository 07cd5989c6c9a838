/**
 * @module test/unit/web/web-sessions.test
 * Cookie ↔ session glue: a signed cookie is verified once and then recognised without another HMAC, while a
 * cookie that differs in any character is still checked (and refused), and a cookie signed with an older secret
 * is re-signed on every request that brings it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { createSessionCipher, deriveKey } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { SessionManager } from '../../../src/session/session-manager.js';
import { COOKIE_SIGNING_LABEL, createWebSessions } from '../../../src/web/web-sessions.js';

const OLD_SECRET = 'web-sessions-test-old-secret-0123456789abcdef';
const NEW_SECRET = 'web-sessions-test-new-secret-0123456789abcdef';

async function build(secrets: readonly string[]) {
  const manager = new SessionManager({
    store: createMemoryStore({ now: Date.now }),
    cipher: createSessionCipher(secrets),
    idleTimeoutMs: 60_000,
    absoluteTimeoutMs: 3_600_000,
  });
  const sessions = createWebSessions({ manager, secure: false });
  const app: FastifyInstance = Fastify();
  await app.register(cookie, { secret: secrets.map((s) => deriveKey(s, COOKIE_SIGNING_LABEL)), hook: 'onRequest' });
  const counter = { unsign: 0 };
  app.addHook('onRequest', (request, _reply, done) => {
    const unsign = request.unsignCookie.bind(request);
    request.unsignCookie = (value: string) => {
      counter.unsign++;
      return unsign(value);
    };
    done();
  });
  app.get('/new', async (request, reply) => {
    const session = manager.create({ flash: 'hello' });
    await sessions.update(request, reply, session, () => true);
    return { id: session.id };
  });
  app.get('/who', async (request, reply) => {
    const session = await sessions.load(request, reply);
    return { flash: session?.data.flash ?? null };
  });
  await app.ready();
  return { app, manager, counter };
}

function cookieOf(setCookie: string | string[] | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  assert.ok(line, 'a Set-Cookie header');
  return line.split(';')[0] as string;
}

void describe('web sessions: signed cookie', () => {
  void it('verifies a cookie once, then recognises it without another signature check', async (t) => {
    const { app, counter } = await build([NEW_SECRET]);
    t.after(() => app.close());
    const cookieHeader = cookieOf((await app.inject('/new')).headers['set-cookie']);
    for (let i = 0; i < 3; i++) {
      const who = await app.inject({ url: '/who', headers: { cookie: cookieHeader } });
      assert.deepEqual(who.json(), { flash: 'hello' });
    }
    assert.equal(counter.unsign, 1);
  });

  void it('still refuses a cookie that differs from a verified one in any character', async (t) => {
    const { app, counter } = await build([NEW_SECRET]);
    t.after(() => app.close());
    const cookieHeader = cookieOf((await app.inject('/new')).headers['set-cookie']);
    assert.deepEqual((await app.inject({ url: '/who', headers: { cookie: cookieHeader } })).json(), { flash: 'hello' });
    const [name, value] = cookieHeader.split('=') as [string, string];
    const positions = [0, 10, value.indexOf('.') + 1, value.length - 1];
    for (const at of positions) {
      const flipped = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
      const who = await app.inject({ url: '/who', headers: { cookie: `${name}=${flipped}` } });
      assert.deepEqual(who.json(), { flash: null }, `tampered at ${at}`);
    }
    assert.equal(counter.unsign, 1 + positions.length, 'each tampered cookie was checked');
  });

  void it('re-signs a cookie signed with an older secret on every request that brings it', async (t) => {
    const before = await build([OLD_SECRET]);
    const oldCookie = cookieOf((await before.app.inject('/new')).headers['set-cookie']);
    const id = oldCookie.split('=')[1]?.split('.')[0] ?? '';
    await before.app.close();

    // Same store contents are not needed: the renewal is about the cookie, the session may be gone.
    const { app } = await build([NEW_SECRET, OLD_SECRET]);
    t.after(() => app.close());
    for (let i = 0; i < 2; i++) {
      const response = await app.inject({ url: '/who', headers: { cookie: oldCookie } });
      const renewed = cookieOf(response.headers['set-cookie']);
      assert.notEqual(renewed, oldCookie, `request ${i + 1} re-signs`);
      assert.equal(renewed.split('=')[1]?.split('.')[0], decodeURIComponent(id));
    }
  });
});
