/**
 * @module bench/peers/minimal-proxy
 * The cost floor of any app that calls RingCentral for a logged-in browser: plain `node:http`, a random cookie →
 * an in-memory `Map` → the access token, and one keep-alive upstream call per request (undici pool) whose body
 * is piped back. No session store, no encryption, no templates, no logging, no refresh, no validation beyond the
 * bare minimum. A real app cannot beat it; DESIGN §5 asks rc-authflow for ≥ 75% of its requests/s. The login and
 * the upstream call are in `proxy-core.ts`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { callback, callUpstream, contentTypeOf, fail, login, port, upstream } from './proxy-core.js';

async function test(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const response = await callUpstream(req, url.searchParams.get('api'));
  if (response === undefined) {
    res.writeHead(302, { location: '/' }).end();
    return;
  }
  res.writeHead(response.statusCode, { 'content-type': contentTypeOf(response) });
  for await (const chunk of response.body) res.write(chunk as Buffer);
  res.end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let work: Promise<void>;
  switch (url.pathname) {
    case '/healthz':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    case '/login':
      login(res);
      return;
    case '/oauth2callback':
      work = callback(req, res, url);
      break;
    case '/test':
      work = test(req, res, url);
      break;
    default:
      fail(res, 404, 'not found');
      return;
  }
  work.catch(() => {
    if (!res.headersSent) fail(res, 502, 'upstream failed');
    else res.destroy();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  console.log(`minimal proxy listening on http://127.0.0.1:${port}`);
});

const stop = (): void => {
  server.close();
  void upstream.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
