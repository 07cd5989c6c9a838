import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import {
  createLogger,
  generateRequestId,
  sanitizeUrl,
  serializeError,
  serializeRequest,
} from '../../../src/logging.js';

function spy() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

it('sanitizeUrl removes the values of sensitive query parameters, whatever their encoding', () => {
  assert.equal(
    sanitizeUrl('/oauth2callback?code=abc&state=xyz&expires_in=60'),
    '/oauth2callback?code=[REDACTED]&state=[REDACTED]&expires_in=60',
  );
  assert.equal(
    sanitizeUrl('/x?%63ode=abc&Access_Token=t&csrf=c&page=2'),
    '/x?%63ode=[REDACTED]&Access_Token=[REDACTED]&csrf=[REDACTED]&page=2',
  );
  assert.equal(sanitizeUrl('/x?code'), '/x?code=[REDACTED]');
  assert.equal(sanitizeUrl('/x?%E0%A4%A=1&refresh_token=r#frag'), '/x?%E0%A4%A=1&refresh_token=[REDACTED]');
  assert.equal(sanitizeUrl('/plain'), '/plain');
});

it('request serializer: method, sanitized URL and address only (no headers)', () => {
  assert.deepEqual(serializeRequest({ method: 'GET', url: '/cb?code=x', ip: '127.0.0.1' }), {
    method: 'GET',
    url: '/cb?code=[REDACTED]',
    remoteAddress: '127.0.0.1',
  });
});

it('redaction: Authorization, Cookie, Set-Cookie headers and token-like top-level fields never reach a line', () => {
  const { lines, logger } = spy();
  logger.info(
    {
      req: {
        method: 'GET',
        url: '/test?token=t1',
        headers: { authorization: 'Bearer AT-SECRET', cookie: 'rcsid=COOKIE-SECRET' },
      },
      headers: { authorization: 'Basic BASIC-SECRET', cookie: 'c=COOKIE2', 'set-cookie': 'x=SETCOOKIE' },
      accessToken: 'AT-2',
      refresh_token: 'RT-SECRET',
      clientSecret: 'CS-SECRET',
      password: 'PW-SECRET',
      codeVerifier: 'CV-SECRET',
      csrf: 'CSRF-SECRET',
    },
    'hello',
  );
  const text = lines.join('');
  for (const secret of [
    'AT-SECRET',
    'COOKIE-SECRET',
    'BASIC-SECRET',
    'COOKIE2',
    'SETCOOKIE',
    'AT-2',
    'RT-SECRET',
    'CS-SECRET',
    'PW-SECRET',
    'CV-SECRET',
    'CSRF-SECRET',
    't1',
  ]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.match(text, /"msg":"hello"/);
});

it('error serializer keeps type, message, code and stack, and drops bodies and responses', () => {
  const err = Object.assign(
    new Error('refused', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) }),
    {
      code: 'RCAPP_X',
      status: 503,
      body: { access_token: 'AT-LEAK' },
      response: { headers: { authorization: 'Bearer X' } },
    },
  );
  const out = serializeError(err) as Record<string, unknown>;
  assert.equal(out.type, 'Error');
  assert.equal(out.message, 'refused');
  assert.equal(out.code, 'RCAPP_X');
  assert.equal(out.status, 503);
  assert.equal(typeof out.stack, 'string');
  assert.deepEqual((out.cause as Record<string, unknown>).code, 'ECONNREFUSED');
  assert.ok(!JSON.stringify(out).includes('AT-LEAK'));
  assert.equal(serializeError('plain'), 'plain');
  const { lines, logger } = spy();
  logger.error({ err }, 'failed');
  assert.ok(!lines.join('').includes('AT-LEAK'));
});

it('request ids: a plain incoming X-Request-Id is kept, anything else replaced by a UUID', () => {
  const request = (value?: string) =>
    ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as unknown as IncomingMessage;
  assert.equal(generateRequestId(request('abc-123_DEF.456')), 'abc-123_DEF.456');
  for (const bad of [undefined, 'short', 'has space in it', 'x'.repeat(65), 'line\nbreak-123456']) {
    assert.match(generateRequestId(request(bad)), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
});
