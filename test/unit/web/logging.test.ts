import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  createLogger,
  createRequestLogger,
  generateRequestId,
  RequestLogController,
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

it("the completion line is the one pino writes for the request's child logger", () => {
  const { lines, logger } = spy();
  const controller = new RequestLogController(logger);
  const requests = [
    { id: 'req-0001', method: 'GET', url: '/test?api=extension', ip: '127.0.0.1' },
    { id: 'req-0002', method: 'POST', url: '/oauth2callback?code=abc&state=xyz', ip: '::1' },
    { id: 'req-0003', method: 'GET', url: '/x?q="quoted"\\back\u0001ctl\u00e9\ud83d\ude00', ip: undefined },
    { id: 'b1946ac9-2c10-4f0e-8d4e-2f1b3c7a9e10', method: 'DELETE', url: `/${'long/'.repeat(30)}`, ip: '10.0.0.1' },
  ];
  const normalise = (line: string) => line.replace(/"time":\d+/, '"time":0');
  for (const [i, request] of requests.entries()) {
    // (the line gives the time to the microsecond)
    const reply = { statusCode: 200 + i, elapsedTime: [1.234, 0.042, 17, 250.5][i] ?? 1, log: logger };
    controller.requestCompleted(null, request as unknown as FastifyRequest, reply as unknown as FastifyReply);
    logger
      .child({ reqId: request.id }, {})
      .info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    const [ours, pinos] = lines.splice(0, 2) as [string, string];
    assert.equal(normalise(ours), normalise(pinos));
    assert.ok(ours.endsWith('}\n'));
  }
  const parsed = (() => {
    controller.requestCompleted(
      null,
      requests[1] as unknown as FastifyRequest,
      {
        statusCode: 302,
        elapsedTime: 2,
      } as unknown as FastifyReply,
    );
    return JSON.parse(lines.pop() ?? '') as { reqId: string; req: { url: string }; res: { statusCode: number } };
  })();
  assert.equal(parsed.reqId, 'req-0002');
  assert.equal(parsed.req.url, '/oauth2callback?code=[REDACTED]&state=[REDACTED]');
  assert.equal(parsed.res.statusCode, 302);
  controller.requestCompleted(
    null,
    requests[0] as unknown as FastifyRequest,
    {
      statusCode: 200,
      elapsedTime: 12.3456789,
    } as unknown as FastifyReply,
  );
  assert.match(lines.pop() ?? '', /"responseTime":12\.346,/);
});

it('no completion line below the info level', () => {
  const { lines, logger } = spy();
  logger.level = 'warn';
  new RequestLogController(logger).requestCompleted(
    null,
    { id: 'req-0001', method: 'GET', url: '/', ip: '127.0.0.1' } as unknown as FastifyRequest,
    { statusCode: 200, elapsedTime: 1 } as unknown as FastifyReply,
  );
  assert.deepEqual(lines, []);
});

it("request.log writes with the request id bound, and nothing below the app logger's level", () => {
  const { lines, logger } = spy();
  logger.level = 'info';
  const log = createRequestLogger(logger, { reqId: 'req-0042' }, {});
  log.debug('not written');
  assert.deepEqual(lines, []);
  log.info({ code: 'X' }, 'written');
  log.child({ part: 'inner' }).warn('from a child');
  assert.equal(log.level, 'info');
  const written = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    written.map(({ reqId, code, part, msg, level }) => ({ reqId, code, part, msg, level })),
    [
      { reqId: 'req-0042', code: 'X', part: undefined, msg: 'written', level: 30 },
      { reqId: 'req-0042', code: undefined, part: 'inner', msg: 'from a child', level: 40 },
    ],
  );
});
