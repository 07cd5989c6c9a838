/**
 * @module web/routes/contacts
 * `GET /contacts`: the Contacts page's shell for a logged-in user (the browser app in `/assets/contacts.js` does
 * the rest through `/api/rc`); anyone else goes to the start page to log in.
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { chromeFor, sendHtml } from '../pages.js';

/** Registers `GET /contacts`. */
export function registerContactsRoute(app: FastifyInstance, ctx: AppContext): void {
  app.get('/contacts', async (request, reply) => {
    const session = await ctx.sessions.load(request, reply);
    if (session?.data.tokens === undefined) return reply.redirect('/', 302);
    return sendHtml(reply, 200, ctx.views.contacts(chromeFor(session)));
  });
}
