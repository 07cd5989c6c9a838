/**
 * @module governor/governed-oauth-fetch
 * A `fetch` decorator for the OAuth client: token and revoke calls are RingCentral's `Auth` group. A refresh or a
 * revoke is governed when the token's user is known; the code exchange of a login cannot be (its user is known
 * only from the answer), so it is counted afterwards. Every token answer teaches the directory which user its
 * tokens belong to (`owner_id`), so the calls that follow are attributed.
 * @see https://developers.ringcentral.com/guide/basics/rate-limits
 */
import type { AnswerView, RateGovernor } from './rate-governor.js';

function urlOf(input: Parameters<typeof fetch>[0]): URL | undefined {
  try {
    return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  } catch {
    return undefined;
  }
}

/** The form fields of a request body (oauth4webapi sends `URLSearchParams`). */
export function formOf(body: RequestInit['body'] | undefined): URLSearchParams {
  if (body instanceof URLSearchParams) return body;
  if (typeof body === 'string') return new URLSearchParams(body);
  return new URLSearchParams();
}

/** How the governor reads a fetch answer. */
export function fetchAnswerView(response: Response): AnswerView {
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined };
}

/** `access_token`, `refresh_token` and `owner_id` of a token answer, read from a copy of the body. */
export async function tokenOwnerOf(
  response: Response,
): Promise<{ owner: string; accessToken?: string; refreshToken?: string } | undefined> {
  try {
    const body = (await response.clone().json()) as Record<string, unknown> | null;
    if (body === null || typeof body !== 'object') return undefined;
    const owner = body.owner_id;
    if ((typeof owner !== 'string' && typeof owner !== 'number') || String(owner) === '') return undefined;
    return {
      owner: String(owner),
      ...(typeof body.access_token === 'string' ? { accessToken: body.access_token } : {}),
      ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Wraps the OAuth client's `fetch` with the governor. */
export function governOAuthFetch(inner: typeof fetch, governor: RateGovernor): typeof fetch {
  const { directory } = governor;
  return async (input, init) => {
    const path = urlOf(input)?.pathname ?? '';
    const isToken = path.endsWith('/restapi/oauth/token');
    const isRevoke = path.endsWith('/restapi/oauth/revoke');
    if (!isToken && !isRevoke) return inner(input, init);
    const form = formOf(init?.body);
    const grant = form.get('grant_type');
    const owner = isRevoke
      ? directory.ownerOf(form.get('token'))
      : grant === 'refresh_token'
        ? directory.ownerOf(form.get('refresh_token'))
        : undefined;
    const response =
      owner === undefined
        ? await inner(input, init)
        : await governor.run({ owner, group: 'Auth' }, () => inner(input, init), fetchAnswerView);
    if (isToken && response.ok) {
      const learnt = await tokenOwnerOf(response);
      if (learnt !== undefined) {
        if (learnt.accessToken !== undefined) directory.remember(learnt.accessToken, learnt.owner);
        if (learnt.refreshToken !== undefined) directory.remember(learnt.refreshToken, learnt.owner);
        if (owner === undefined) await governor.record(learnt.owner, 'Auth', fetchAnswerView(response));
      }
    }
    return response;
  };
}
