import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createTransport, headerValue } from '../../../src/ringcentral/transport.js';

async function stubServer(
  t: TestContext,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('rest client', () => {
  it('GET with the bearer token and query; status, headers and body bytes returned unchanged', async (t) => {
    const seen: { url?: string; authorization?: string; accept?: string; connection?: string } = {};
    const body = Buffer.from('{"uri":"x",  "records":[] }\n');
    const { url } = await stubServer(t, (req, res) => {
      seen.url = req.url;
      seen.authorization = req.headers.authorization;
      seen.accept = req.headers.accept;
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8', 'x-rate-limit-group': 'Medium' });
      res.end(body);
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 1000 });
    t.after(() => rest.close());
    const response = await rest.send({
      method: 'GET',
      path: '/restapi/v1.0/account/~/extension',
      accessToken: 'AT-1',
      query: new URLSearchParams({ page: '2', perPage: '5' }),
    });
    assert.equal(seen.url, '/restapi/v1.0/account/~/extension?page=2&perPage=5');
    assert.equal(seen.authorization, 'Bearer AT-1');
    assert.equal(seen.accept, 'application/json');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, body);
    assert.equal(headerValue(response.headers, 'content-type'), 'application/json;charset=utf-8');
    assert.equal(headerValue(response.headers, 'x-rate-limit-group'), 'Medium');
    assert.equal(rest.serverUrl, url);
  });

  it('error statuses are returned, not thrown', async (t) => {
    const { url } = await stubServer(t, (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"errorCode":"InsufficientPermissions"}');
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 1000 });
    t.after(() => rest.close());
    const response = await rest.send({ method: 'GET', path: '/x', accessToken: 't' });
    assert.equal(response.status, 403);
    assert.equal(response.body.toString(), '{"errorCode":"InsufficientPermissions"}');
  });

  it('an informational answer (103) before the final one is skipped; a body in many chunks comes whole', async (t) => {
    const chunks = Array.from({ length: 40 }, (_, i) => `${'x'.repeat(1000)}${i}\n`);
    const { url } = await stubServer(t, (_req, res) => {
      res.writeEarlyHints({ link: '</x.css>; rel=preload; as=style' }, () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-rate-limit-group': 'Light' });
        const writeFrom = (i: number): void => {
          if (i === chunks.length) {
            res.end();
            return;
          }
          res.write(chunks[i]);
          setImmediate(() => writeFrom(i + 1));
        };
        writeFrom(0);
      });
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 1000 });
    t.after(() => rest.close());
    const response = await rest.send({ method: 'GET', path: '/x', accessToken: 't' });
    assert.equal(response.status, 200);
    assert.equal(headerValue(response.headers, 'x-rate-limit-group'), 'Light');
    assert.equal(headerValue(response.headers, 'link'), undefined, 'the 103 headers are not the answer');
    assert.equal(response.body.toString('utf8'), chunks.join(''));
  });

  it('keep-alive: consecutive calls reuse connections', async (t) => {
    const sockets = new Set<unknown>();
    const { url } = await stubServer(t, (req, res) => {
      sockets.add(req.socket);
      res.end('{}');
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 1000 });
    t.after(() => rest.close());
    for (let i = 0; i < 10; i++) await rest.send({ method: 'GET', path: '/x', accessToken: 't' });
    assert.ok(sockets.size <= 2, `10 sequential calls used ${sockets.size} connections`);
  });

  it('no answer within timeoutMs → RCAPP_UPSTREAM_TIMEOUT (504)', async (t) => {
    const { url } = await stubServer(t, () => {
      // never answers
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 150 });
    t.after(() => rest.close());
    const started = Date.now();
    await assert.rejects(rest.send({ method: 'GET', path: '/x', accessToken: 't' }), {
      code: 'RCAPP_UPSTREAM_TIMEOUT',
      status: 504,
    });
    assert.ok(Date.now() - started < 2000);
  });

  it('connection refused → RCAPP_UPSTREAM_UNAVAILABLE (503); ping rejects the same way', async (t) => {
    const { url, server } = await stubServer(t, () => undefined);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const rest = createTransport({ serverUrl: url, timeoutMs: 500 });
    t.after(() => rest.close());
    await assert.rejects(rest.send({ method: 'GET', path: '/x', accessToken: 't' }), {
      code: 'RCAPP_UPSTREAM_UNAVAILABLE',
      status: 503,
    });
    await assert.rejects(rest.ping(), { code: 'RCAPP_UPSTREAM_UNAVAILABLE' });
  });

  it('ping resolves on any HTTP answer', async (t) => {
    const { url } = await stubServer(t, (_req, res) => {
      res.writeHead(404);
      res.end('{"errorCode":"AGW-404"}');
    });
    const rest = createTransport({ serverUrl: url, timeoutMs: 500 });
    t.after(() => rest.close());
    await rest.ping();
  });
});
