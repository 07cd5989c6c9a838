/* eslint-disable @typescript-eslint/require-await -- the RingCentral stubs are async like the real calls */
/**
 * The per-session RingCentral client: each call spends the session user's budget in its operation's group (the
 * governor), sends with a fresh token, and emits one call event (operation, group, outcome, owner); OAuth calls
 * are calls like any other (getToken with its grant and granted scope, revokeToken), the code exchange counted in
 * the user's Auth budget once the answer names the user.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createMemoryBudgetStore } from '../../../src/governor/budget-store.js';
import { createRateGovernor } from '../../../src/governor/rate-governor.js';
import { UpstreamError } from '../../../src/errors.js';
import { validateCallback } from '../../../src/oauth/callback.js';
import { createOAuthClient } from '../../../src/oauth/client.js';
import type { TokenSet } from '../../../src/oauth/types.js';
import type { CallEvent } from '../../../src/rc-api/call-event.js';
import { createRingCentral } from '../../../src/ringcentral/client.js';
import type { RawAnswer, Transport, TransportRequest } from '../../../src/ringcentral/transport.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { createMemoryStore } from '../../../src/session/memory-store.js';
import { SessionManager, type Session } from '../../../src/session/session-manager.js';
import { jsonResponse, stubFetch } from '../oauth/fetch-stub.js';

const HOUR = 3_600_000;

const limited = (group: string, limit: number): Record<string, string> => ({
  'x-rate-limit-group': group,
  'x-rate-limit-limit': String(limit),
  'x-rate-limit-remaining': '0',
  'x-rate-limit-window': '60',
});

function setup(options: { answers?: (RawAnswer | Error)[]; oauth?: Parameters<typeof stubFetch> } = {}) {
  const now = Date.now;
  const sessions = new SessionManager({
    store: createMemoryStore({ now }),
    cipher: createSessionCipher(['unit-test-secret-0123456789-abcdefghijkl']),
    idleTimeoutMs: 8 * HOUR,
    absoluteTimeoutMs: 7 * 24 * HOUR,
    now,
  });
  const governor = createRateGovernor({ store: createMemoryBudgetStore({ now }), maxWaitMs: 0, now });
  const answers = [...(options.answers ?? [])];
  const sent: TransportRequest[] = [];
  const transport: Transport = {
    serverUrl: 'https://platform.example',
    async send(request) {
      sent.push(request);
      const next = answers.shift();
      assert.ok(next, `an expected call: ${request.method} ${request.path}`);
      if (next instanceof Error) throw next;
      return next;
    },
    async stream() {
      throw new Error('not used here');
    },
    async ping() {},
    async close() {},
  };
  const stub = stubFetch(...(options.oauth ?? []));
  const events: CallEvent[] = [];
  const oauth = createOAuthClient({
    serverUrl: 'https://platform.example',
    clientId: 'id',
    clientSecret: 'secret',
    redirectUri: 'https://app.example/cb',
    allowInsecureRequests: false,
    timeoutMs: 1000,
    fetch: stub.fetch,
    now,
  });
  const ringcentral = createRingCentral({
    transport,
    oauth,
    sessions,
    governor,
    listeners: [
      (event) => events.push(event),
      () => {
        throw new Error('a broken listener does not break a call');
      },
    ],
    now,
    logger: pino({ level: 'silent' }),
  });
  async function loggedIn(ownerId = '101', expiresIn = HOUR): Promise<Session> {
    const tokens: TokenSet = {
      accessToken: 'AT-1',
      refreshToken: 'RT-1',
      tokenType: 'bearer',
      scope: 'ReadAccounts ReadCallLog',
      ownerId,
      accessExpiresAt: now() + expiresIn,
      refreshExpiresAt: now() + 7 * 24 * HOUR,
    };
    const session = sessions.create({ tokens });
    await sessions.save(session);
    return session;
  }
  return { ringcentral, governor, sent, events, stub, loggedIn, oauth };
}

const ok = (headers: Record<string, string> = {}, status = 200): RawAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from('{"records":[]}'),
});

const tokenAnswer = (n: number, headers: Record<string, string> = {}) =>
  jsonResponse(
    200,
    {
      access_token: `AT-${n}`,
      refresh_token: `RT-${n}`,
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token_expires_in: 604800,
      scope: 'ReadAccounts ReadCallLog',
      owner_id: '101',
    },
    headers,
  );

describe('RingCentral client', () => {
  it("a call spends the session user's budget in its operation's group, with the operation's path", async () => {
    const { ringcentral, sent, events, governor, loggedIn } = setup({
      answers: [ok(limited('Heavy', 1)), ok(limited('Medium', 40))],
    });
    const rc = ringcentral.forSession(await loggedIn());
    const answer = await rc.call('readUserCallLog', { query: new URLSearchParams({ perPage: '5' }) });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json(), { records: [] });
    assert.deepEqual(answer.rateLimit, { group: 'Heavy', limit: 1, remaining: 0, windowSeconds: 60 });
    await assert.rejects(rc.call('readCompanyCallLog'), { code: 'RCAPP_RATE_LIMITED', status: 429 });
    await rc.call('listExtensions');
    assert.deepEqual(
      sent.map((r) => [r.method, r.path, r.query?.toString() ?? '', r.accessToken]),
      [
        ['GET', '/restapi/v1.0/account/~/extension/~/call-log', 'perPage=5', 'AT-1'],
        ['GET', '/restapi/v1.0/account/~/extension', '', 'AT-1'],
      ],
    );
    assert.deepEqual(
      events.map((e) => [e.operationId, e.group, e.outcome, e.owner]),
      [
        ['readUserCallLog', 'Heavy', 200, '101'],
        ['listExtensions', 'Medium', 200, '101'],
      ],
      'the refused call never reached RingCentral: no event',
    );
    assert.equal((await governor.snapshot('101', 'Heavy')).used, 1);
    assert.equal((await rc.budget('Heavy')).limit, 1);
  });

  it('a call with no answer is an "error" event and rethrown; a session without a user goes ungoverned', async () => {
    const refused = new UpstreamError('RCAPP_UPSTREAM_UNAVAILABLE', 'RingCentral could not be reached (ECONNREFUSED)');
    const { ringcentral, events, loggedIn } = setup({
      answers: [refused, ok(limited('Heavy', 1)), ok(limited('Heavy', 1)), ok(limited('Heavy', 1))],
    });
    const rc = ringcentral.forSession(await loggedIn());
    await assert.rejects(rc.call('listExtensions'), { code: 'RCAPP_UPSTREAM_UNAVAILABLE' });
    assert.deepEqual(
      events.map((e) => [e.operationId, e.group, e.outcome]),
      [['listExtensions', 'Medium', 'error']],
    );
    const nobody = ringcentral.forSession(await loggedIn(''));
    for (let i = 0; i < 3; i++) assert.equal((await nobody.call('readUserCallLog')).status, 200);
    assert.equal(events.at(-1)?.owner, undefined);
  });

  it('the group of an event is the one RingCentral names, else the operation’s', async () => {
    const { ringcentral, events, loggedIn } = setup({
      answers: [ok({ 'x-rate-limit-group': 'light' }), ok({}, 503), ok({ 'x-rate-limit-group': 'Enormous' })],
    });
    const rc = ringcentral.forSession(await loggedIn());
    for (let i = 0; i < 3; i++) await rc.call('listExtensions');
    assert.deepEqual(
      events.map((e) => [e.group, e.outcome]),
      [
        ['Light', 200],
        ['Medium', 503],
        ['Medium', 200],
      ],
    );
  });

  it('the code exchange is a getToken event with its scope, counted in the user’s Auth budget afterwards', async () => {
    const { ringcentral, events, governor, stub, oauth } = setup({ oauth: [tokenAnswer(1)] });
    const callback = validateCallback(oauth, new URLSearchParams({ code: 'c', state: 's' }), 's');
    const tokens = await ringcentral.exchangeCode(callback, 'v'.repeat(43));
    assert.equal(tokens.ownerId, '101');
    assert.equal(stub.requests[0]?.body.get('grant_type'), 'authorization_code');
    assert.deepEqual(events, [
      {
        operationId: 'getToken',
        group: 'Auth',
        outcome: 200,
        durationMs: events[0]!.durationMs,
        owner: undefined,
        grant: 'authorization_code',
        scope: 'ReadAccounts ReadCallLog',
      },
    ]);
    assert.equal((await governor.snapshot('101', 'Auth')).used, 1);
  });

  it("a 401 refreshes once in the user's Auth budget; a used-up Auth budget refuses the refresh unsent", async () => {
    const { ringcentral, events, stub, loggedIn } = setup({
      answers: [ok({}, 401), ok(), ok({}, 401)],
      oauth: [tokenAnswer(2, limited('Auth', 1))],
    });
    const session = await loggedIn();
    const rc = ringcentral.forSession(session);
    assert.equal((await rc.call('listExtensions')).status, 200);
    assert.equal(session.data.tokens?.accessToken, 'AT-2');
    assert.deepEqual(
      events.map((e) => [e.operationId, e.outcome, e.grant]),
      [
        ['listExtensions', 401, undefined],
        ['getToken', 200, 'refresh_token'],
        ['listExtensions', 200, undefined],
      ],
    );
    // RingCentral said the Auth budget is spent: the next refresh waits for it (here: refused, no wait allowed).
    await assert.rejects(rc.call('listExtensions'), { code: 'RCAPP_RATE_LIMITED' });
    assert.equal(stub.requests.length, 1);
  });

  it('revoke is a revokeToken call of the refresh token', async () => {
    const { ringcentral, events, stub, loggedIn } = setup({ oauth: [new Response(null, { status: 200 })] });
    await ringcentral.forSession(await loggedIn()).revoke();
    assert.equal(stub.requests[0]?.body.get('token'), 'RT-1');
    assert.deepEqual(
      events.map((e) => [e.operationId, e.group, e.outcome, e.owner]),
      [['revokeToken', 'Auth', 200, '101']],
    );
  });
});
