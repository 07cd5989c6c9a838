/**
 * @module web/routes/metrics
 * `GET /metrics`: the app instance's Prometheus metrics in the text exposition format. With `METRICS_TOKEN` set it
 * needs `Authorization: Bearer <token>` (else 401 with a Bearer challenge); without it, it answers only clients on
 * this machine and is a 404 for everyone else (see `metrics/metrics-access.ts`).
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import type { FastifyInstance } from 'fastify';
import { AppError, RCAPP_METRICS_UNAUTHORIZED, RCAPP_NOT_FOUND } from '../../errors.js';
import { renderMetrics, type AppMetrics } from '../../metrics/app-metrics.js';
import { createMetricsAccessCheck } from '../../metrics/metrics-access.js';
import type { AppContext } from '../context.js';
import { sendError } from '../error-handler.js';

/** Registers `GET /metrics` for `metrics`, guarded by `token` (`METRICS_TOKEN`). */
export function registerMetricsRoute(
  app: FastifyInstance,
  ctx: AppContext,
  options: { readonly metrics: AppMetrics; readonly token: string | undefined },
): void {
  const check = createMetricsAccessCheck(options.token);
  app.get('/metrics', async (request, reply) => {
    const access = check({ headers: request.headers, remoteAddress: request.socket.remoteAddress });
    if (access === 'hidden') return sendError(ctx, request, reply, new AppError(RCAPP_NOT_FOUND, 'no such page'));
    if (access === 'unauthorized') {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendError(
        ctx,
        request,
        reply,
        new AppError(RCAPP_METRICS_UNAUTHORIZED, 'this page needs "Authorization: Bearer" with the metrics token'),
      );
    }
    const { contentType, body } = await renderMetrics(options.metrics);
    return reply.code(200).type(contentType).send(body);
  });
}
