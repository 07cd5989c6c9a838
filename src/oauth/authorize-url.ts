/**
 * @module oauth/authorize-url
 * The RingCentral authorize URL the browser is sent to, always with `state` and an `S256` code challenge.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://developers.ringcentral.com/guide/authentication/auth-code-pkce-flow
 */

/** Everything the authorize URL carries. */
export interface AuthorizeUrlParams {
  /** RingCentral origin the browser can reach, e.g. `https://platform.ringcentral.com`. */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
}

/**
 * `<baseUrl>/restapi/oauth/authorize?response_type=code&client_id&redirect_uri&state&code_challenge&code_challenge_method=S256`.
 */
export function buildAuthorizeUrl(params: AuthorizeUrlParams): string {
  const url = new URL('/restapi/oauth/authorize', params.baseUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}
