/**
 * @module oauth/callback
 * Validation of the redirect back from RingCentral: `state` first (it proves the response belongs to the login
 * this browser started), then `?error=`. Only then is anything from the query trusted or shown.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.7.1
 */
import { timingSafeEqual } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { AppError, OAuthCallbackError, RCAPP_BAD_REQUEST, RCAPP_STATE_MISMATCH } from '../errors.js';
import type { OAuthClient } from './client.js';

const SINGLE_VALUED = ['code', 'state', 'error', 'error_description', 'iss'] as const;
const MAX_DESCRIPTION_LENGTH = 300;

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks the callback parameters against the expected `state`.
 * @returns oauth4webapi's validated parameters, to pass to `exchangeCode`.
 * @throws {AppError} `RCAPP_BAD_REQUEST` (a parameter repeated), `RCAPP_STATE_MISMATCH` (missing or wrong `state`)
 * @throws {OAuthCallbackError} RingCentral sent `?error=` (with its `error_description`)
 */
export function validateCallback(client: OAuthClient, params: URLSearchParams, expectedState: string): URLSearchParams {
  for (const name of SINGLE_VALUED) {
    if (params.getAll(name).length > 1) {
      throw new AppError(RCAPP_BAD_REQUEST, `parameter "${name}" must be provided only once`);
    }
  }
  const state = params.get('state');
  if (state === null || state === '') {
    throw new AppError(RCAPP_STATE_MISMATCH, 'missing "state" parameter');
  }
  if (!sameString(state, expectedState)) {
    throw new AppError(RCAPP_STATE_MISMATCH, 'unexpected "state" parameter value');
  }
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description')?.slice(0, MAX_DESCRIPTION_LENGTH);
    throw new OAuthCallbackError(error.slice(0, 100), description || undefined);
  }
  try {
    return oauth.validateAuthResponse(client.as, client.client, params, expectedState);
  } catch (cause) {
    if (cause instanceof oauth.AuthorizationResponseError) {
      throw new OAuthCallbackError(cause.error, cause.error_description);
    }
    throw new AppError(RCAPP_BAD_REQUEST, 'the callback parameters are not a valid authorization response', {
      cause,
    });
  }
}
