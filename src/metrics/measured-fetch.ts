/**
 * @module metrics/measured-fetch
 * A `fetch` decorator for the OAuth client: every token and revoke call counts as a RingCentral call of the
 * `Auth` rate-limit group (RingCentral limits its OAuth endpoints as that group), 429s included.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { groupFromHeader, NO_ANSWER, type RingCentralCallRecorder } from './ringcentral-calls.js';

/** Wraps `fetch` so that each call is recorded in the `Auth` group (or the group RingCentral names). */
export function measureOAuthFetch(inner: typeof fetch, recorder: RingCentralCallRecorder): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (err) {
      recorder.record('Auth', NO_ANSWER);
      throw err;
    }
    recorder.record(groupFromHeader(response.headers.get('x-rate-limit-group')) ?? 'Auth', response.status);
    return response;
  };
}
