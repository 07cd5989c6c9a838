/**
 * @module metrics/measured-rest-client
 * A `RestClient` decorator that counts every REST call by rate-limit group and status (429s separately). The
 * health probe (`ping`) is not counted: it is not an API call.
 */
import { headerValue, type RestClient } from '../ringcentral/rest-client.js';
import { NO_ANSWER, rateLimitGroupOf, type RingCentralCallRecorder } from './ringcentral-calls.js';

/** Wraps `rest` so that `get` calls are recorded; everything else is passed through. */
export function measureRestClient(rest: RestClient, recorder: RingCentralCallRecorder): RestClient {
  return {
    serverUrl: rest.serverUrl,
    async get(path, accessToken, query) {
      let response;
      try {
        response = await rest.get(path, accessToken, query);
      } catch (err) {
        recorder.record(rateLimitGroupOf(path, undefined), NO_ANSWER);
        throw err;
      }
      recorder.record(rateLimitGroupOf(path, headerValue(response.headers, 'x-rate-limit-group')), response.status);
      return response;
    },
    ping: () => rest.ping(),
    close: () => rest.close(),
  };
}
