/**
 * @module governor/governed-rest-client
 * A `RestClient` decorator that puts every REST call behind the rate-limit governor. The budget is the call's
 * RingCentral user: `options.owner` when the caller names it, else the user the token belongs to (see
 * `owner-directory.ts`: filled from token answers, and by routes whose helpers call without naming the user). A
 * call whose user is unknown goes ungoverned.
 * The group is the path's `x-throttling-group` (`ringcentral/endpoints.ts`).
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import { REST_OPERATIONS } from '../ringcentral/endpoints.js';
import { headerValue, type RestClient, type RestResponse } from '../ringcentral/rest-client.js';
import type { AnswerView, RateGovernor } from './rate-governor.js';

/** How the governor reads a REST answer. */
export function restAnswerView(response: RestResponse): AnswerView {
  return { status: response.status, header: (name) => headerValue(response.headers, name) };
}

/** Wraps `rest` so that each `get` waits for its user's rate-limit slot. */
export function governRestClient(rest: RestClient, governor: RateGovernor): RestClient {
  return {
    serverUrl: rest.serverUrl,
    async get(path, accessToken, query, options) {
      const owner = options?.owner || governor.directory.ownerOf(accessToken);
      if (owner === undefined || owner === '') return rest.get(path, accessToken, query, options);
      const group = REST_OPERATIONS.get(path)?.group ?? 'Light';
      return governor.run(
        {
          owner,
          group,
          ...(options?.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
          ...(options?.signal === undefined ? {} : { signal: options.signal }),
        },
        () => rest.get(path, accessToken, query, options),
        restAnswerView,
      );
    },
    ping: () => rest.ping(),
    close: () => rest.close(),
  };
}
