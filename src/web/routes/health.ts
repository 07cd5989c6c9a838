/**
 * @module web/routes/health
 * `GET /healthz`: the process is up. `GET /readyz`: the session store answers and RingCentral's base URL
 * answers HTTP at all (any status counts: it is reachable), each within a short bound. The session store is asked
 * on every probe; RingCentral at most once per {@link UPSTREAM_CHECK_TTL_MS}, by one probe at a time (the others
 * share its answer), so a flood of `/readyz` never becomes a flood of calls from the app's address to RingCentral.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

const READY_CHECK_TIMEOUT_MS = 2000;
/** How long RingCentral's reachability, once checked, answers `/readyz`. */
export const UPSTREAM_CHECK_TTL_MS = 5000;

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

/** `check(probe)`, remembered for `ttlMs` on the app clock; callers during a check share it. */
function cachedCheck(probe: () => Promise<unknown>, ttlMs: number, now: () => number): () => Promise<'ok' | 'failed'> {
  let last: { result: 'ok' | 'failed'; at: number } | undefined;
  let running: Promise<'ok' | 'failed'> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < ttlMs) return Promise.resolve(last.result);
    running ??= check(probe).then((result) => {
      last = { result, at: now() };
      running = undefined;
      return result;
    });
    return running;
  };
}

/** Registers `GET /healthz` and `GET /readyz`. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const ringCentralReachable = cachedCheck(() => ctx.ringcentral.ping(), UPSTREAM_CHECK_TTL_MS, ctx.now);
  app.get('/healthz', { exposeHeadRoute: true }, async (_request, reply) => reply.code(200).send({ status: 'ok' }));

  app.get('/readyz', { exposeHeadRoute: true }, async (_request, reply) => {
    const [sessionStore, ringCentral] = await Promise.all([check(() => ctx.store.ping()), ringCentralReachable()]);
    const ready = sessionStore === 'ok' && ringCentral === 'ok';
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: { sessionStore, ringCentral } });
  });
}
