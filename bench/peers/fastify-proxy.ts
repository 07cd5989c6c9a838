/**
 * @module bench/peers/fastify-proxy
 * The minimal proxy (`minimal-proxy.ts`) served by Fastify instead of plain `node:http`: the same login, cookie map
 * and upstream call (`proxy-core.ts`), Fastify's routing, request/reply objects and send, and nothing else (no
 * logger, no hooks, no plugins). Set beside the minimal proxy by `bench/ab.ts`, it measures what the framework
 * itself costs per request.
 */
import Fastify from 'fastify';
import { callback, callUpstream, contentTypeOf, login, port, upstream } from './proxy-core.js';

const server = Fastify({ logger: false });
server.get('/healthz', (_request, reply) => reply.type('text/plain').send('ok'));
server.get('/login', (_request, reply) => {
  reply.hijack();
  login(reply.raw);
});
server.get('/oauth2callback', async (request, reply) => {
  reply.hijack();
  await callback(request.raw, reply.raw, new URL(request.url, 'http://localhost'));
});
server.get('/test', async (request, reply) => {
  const api = (request.query as Record<string, string | undefined>).api ?? null;
  const response = await callUpstream(request.raw, api);
  if (response === undefined) return reply.redirect('/', 302);
  return reply
    .code(response.statusCode)
    .header('content-type', contentTypeOf(response))
    .send(Buffer.from(await response.body.arrayBuffer()));
});
await server.listen({ port, host: '127.0.0.1' });
console.log(`fastify proxy listening on http://127.0.0.1:${port}`);

const stop = (): void => {
  void server
    .close()
    .then(() => upstream.close())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
