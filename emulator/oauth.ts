/**
 * @module emulator/oauth
 * Wires the OAuth endpoints: `GET`/`POST /restapi/oauth/authorize`, `POST /restapi/oauth/token`,
 * `POST /restapi/oauth/revoke` (other methods 405). Counts every request in the stats and applies injected faults
 * before the endpoint logic. With a data directory, an answer that hands out a code or tokens leaves only once the
 * state that issued them is saved.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { withFault } from './apply-fault.js';
import { handleSignIn, isSignInSubmission, showAuthorizePage } from './authorize.js';
import { registerMethodNotAllowed } from './http.js';
import type { Params } from './params.js';
import { handleRevokeRequest } from './revoke-endpoint.js';
import type { EmulatorState } from './state.js';
import { grantStatKey, handleTokenRequest } from './token-endpoint.js';

function bodyParams(request: FastifyRequest): Params | undefined {
  return (request.body ?? undefined) as Params | undefined;
}

/** Registers the OAuth routes on a scope that parses form bodies into {@link Params}. */
export function registerOAuthRoutes(scope: FastifyInstance, state: EmulatorState): void {
  // Encapsulated: the hook below must not run for the REST routes of the same scope.
  void scope.register(async (app) => {
    if (state.stateFile !== undefined) {
      // A client that holds a code or a token pair must find it after a restart, even one right after this answer
      // (kill -9 included): RingCentral never forgets what it issued. One fsync per OAuth answer that changed
      // something; REST calls (which only mark a token's first use) are saved a moment later instead.
      app.addHook('onSend', async (_request, _reply, payload) => {
        await state.flush();
        return payload;
      });
    }
    registerRoutes(app, state);
    await Promise.resolve();
  });
}

function registerRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.get('/restapi/oauth/authorize', { config: { operationId: 'authorize' } }, (request, reply) => {
    state.stats.increment('authorize');
    return withFault(state, 'authorize', reply, () => showAuthorizePage(state, request.query as Params, reply));
  });

  app.post('/restapi/oauth/authorize', { config: { operationId: 'authorize2' } }, (request, reply) => {
    state.stats.increment('authorize');
    const params = bodyParams(request) ?? (Object.create(null) as Params);
    return withFault(state, 'authorize', reply, () =>
      isSignInSubmission(params) ? handleSignIn(state, params, reply) : showAuthorizePage(state, params, reply),
    );
  });

  app.post('/restapi/oauth/token', { config: { operationId: 'getToken' } }, (request, reply) => {
    const params = bodyParams(request) ?? (Object.create(null) as Params);
    state.stats.increment('token');
    state.stats.increment(grantStatKey(params));
    return withFault(state, 'token', reply, () => handleTokenRequest(state, request, params, reply));
  });

  app.post('/restapi/oauth/revoke', { config: { operationId: 'revokeToken' } }, (request, reply) => {
    state.stats.increment('revoke');
    return withFault(state, 'revoke', reply, () =>
      handleRevokeRequest(state, request, bodyParams(request), request.query as Params, reply),
    );
  });

  registerMethodNotAllowed(app, '/restapi/oauth/authorize', ['GET', 'POST']);
  registerMethodNotAllowed(app, '/restapi/oauth/token', ['POST']);
  registerMethodNotAllowed(app, '/restapi/oauth/revoke', ['POST']);
}
