/**
 * @module web/routes/assets
 * `GET /assets/*`: the stylesheet, scripts and icon, from memory, with strong ETags (304 on `If-None-Match`).
 * Cached briefly by browsers and revalidated; they carry no user data.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** Registers `GET /assets/*`. */
export function registerAssetRoutes(app: FastifyInstance, ctx: AppContext): void {
  const byPath = new Map(ctx.assets.map((asset) => [asset.path, asset]));
  app.get('/assets/*', { exposeHeadRoute: true }, async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    const asset = byPath.get(path);
    if (asset === undefined) return reply.callNotFound();
    reply.header('cache-control', 'public, max-age=300, must-revalidate');
    reply.header('etag', asset.etag);
    const ifNoneMatch = request.headers['if-none-match'];
    if (typeof ifNoneMatch === 'string' && ifNoneMatch.split(',').some((tag) => tag.trim() === asset.etag)) {
      return reply.code(304).send();
    }
    return reply.code(200).type(asset.contentType).send(asset.body);
  });
}
