/**
 * @module readiness/recorded-calls
 * Decorators that count every call the app makes to RingCentral for the readiness report: REST calls by
 * `operationId` (from the path), token calls as `getToken` (refreshes also as ok/failed, granted scopes from the
 * answer) and revocations as `revokeToken`. Only calls that were sent are counted: a call the rate-limit governor
 * refused never reached RingCentral.
 */
import { REST_OPERATIONS, REVOKE_OPERATION, TOKEN_OPERATION } from '../ringcentral/endpoints.js';
import type { RestClient } from '../ringcentral/rest-client.js';
import type { ReadinessStore } from './readiness-store.js';

/** Wraps `rest` so that each `get` is counted under its operation. */
export function recordRestCalls(rest: RestClient, readiness: ReadinessStore): RestClient {
  return {
    serverUrl: rest.serverUrl,
    async get(path, accessToken, query, options) {
      const operationId = REST_OPERATIONS.get(path)?.operationId ?? 'other';
      let response;
      try {
        response = await rest.get(path, accessToken, query, options);
      } catch (err) {
        readiness.recordCall(operationId, 'error');
        throw err;
      }
      readiness.recordCall(operationId, response.status);
      return response;
    },
    ping: () => rest.ping(),
    close: () => rest.close(),
  };
}

function pathOf(input: Parameters<typeof fetch>[0]): string {
  try {
    return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url).pathname;
  } catch {
    return '';
  }
}

/** Wraps the OAuth client's `fetch` so that token and revoke calls are counted. */
export function recordOAuthFetch(inner: typeof fetch, readiness: ReadinessStore): typeof fetch {
  return async (input, init) => {
    const path = pathOf(input);
    const operation = path.endsWith('/restapi/oauth/token')
      ? TOKEN_OPERATION
      : path.endsWith('/restapi/oauth/revoke')
        ? REVOKE_OPERATION
        : undefined;
    if (operation === undefined) return inner(input, init);
    const body = init?.body;
    const grant =
      body instanceof URLSearchParams
        ? body.get('grant_type')
        : typeof body === 'string'
          ? new URLSearchParams(body).get('grant_type')
          : null;
    const refresh = operation === TOKEN_OPERATION && grant === 'refresh_token';
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (err) {
      readiness.recordCall(operation.operationId, 'error');
      if (refresh) readiness.recordRefresh(false);
      throw err;
    }
    readiness.recordCall(operation.operationId, response.status);
    if (refresh) readiness.recordRefresh(response.ok);
    if (operation === TOKEN_OPERATION && response.ok) {
      try {
        const json = (await response.clone().json()) as { scope?: unknown } | null;
        if (typeof json?.scope === 'string') readiness.recordScope(json.scope);
      } catch {
        // Not JSON: the OAuth client reports that; there is no scope to count.
      }
    }
    return response;
  };
}
