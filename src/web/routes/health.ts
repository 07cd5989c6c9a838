/**
 * @module web/routes/health
 * `GET /healthz`: the process is up. `GET /readyz`: the session store answers and RingCentral's base URL
 * answers HTTP at all (any status counts: it is reachable), each within a short bound.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

const READY_CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), READY_CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/** Registers `GET /healthz` and `GET /readyz`. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', { exposeHeadRoute: true }, async (_request, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', { exposeHeadRoute: true }, async (_request, reply) => {
    const [sessionStore, ringCentral] = await Promise.all([
      check(() => ctx.store.ping()),
      check(() => ctx.rest.ping()),
    ]);
    const ready = sessionStore === 'ok' && ringCentral === 'ok';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: { sessionStore, ringCentral } });
  });
}
