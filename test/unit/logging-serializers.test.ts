/**
 * @module test/unit/logging-serializers.test
 * Request and response objects in log lines keep no headers, so nothing under `req` or `res` needs redacting:
 * cookies, `Set-Cookie` and `Authorization` never reach a line, whatever shape the objects have.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { createLogger, sanitizeUrl, serializeResponse } from '../../src/logging.js';

it('req and res in a log line carry method, URL, address and status only', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  logger.info(
    {
      req: {
        method: 'GET',
        url: '/test?api=extension&access_token=URL-SECRET',
        ip: '127.0.0.1',
        headers: { cookie: 'rcsid=COOKIE-SECRET', authorization: 'Bearer AUTH-SECRET' },
        raw: { headers: { cookie: 'RAW-COOKIE-SECRET' } },
      },
      res: {
        statusCode: 200,
        headers: { 'set-cookie': 'rcsid=SET-COOKIE-SECRET' },
        getHeaders: () => ({ 'set-cookie': 'GETTER-SECRET' }),
      },
      responseTime: 1.5,
    },
    'request completed',
  );
  const line = JSON.parse(lines.join('')) as Record<string, unknown>;
  assert.deepEqual(line.req, {
    method: 'GET',
    url: '/test?api=extension&access_token=[REDACTED]',
    remoteAddress: '127.0.0.1',
  });
  assert.deepEqual(line.res, { statusCode: 200 });
  for (const secret of ['URL-SECRET', 'COOKIE-SECRET', 'AUTH-SECRET', 'SET-COOKIE-SECRET', 'GETTER-SECRET']) {
    assert.ok(!lines.join('').includes(secret), `${secret} leaked`);
  }
});

it('serializeResponse keeps a numeric status and nothing else', () => {
  assert.deepEqual(serializeResponse({ statusCode: 503 }), { statusCode: 503 });
  assert.deepEqual(serializeResponse({ statusCode: '200' }), { statusCode: undefined });
  assert.deepEqual(serializeResponse({}), { statusCode: undefined });
});

it('sanitizeUrl gives the same answer on its fast path as on its full path', () => {
  const cases: [string, string][] = [
    ['/test?api=extension', '/test?api=extension'],
    ['/test?api=extension-call-log&page=2&perPage=100', '/test?api=extension-call-log&page=2&perPage=100'],
    ['/x?STATE=s&Code=c', '/x?STATE=[REDACTED]&Code=[REDACTED]'],
    ['/x?%73tate=s', '/x?%73tate=[REDACTED]'],
    ['/x?cod%65=c', '/x?cod%65=[REDACTED]'],
    ['/x?note=statement', '/x?note=statement'],
    ['/x?a=1#frag', '/x?a=1'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeUrl(input), expected, input);
});
