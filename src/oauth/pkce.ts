/**
 * @module oauth/pkce
 * PKCE with `S256` only, and the `state` value, from oauth4webapi (32 random bytes, base64url).
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.1.1
 */
import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from 'oauth4webapi';

/** A fresh code verifier and its S256 challenge. */
export interface PkcePair {
  readonly codeVerifier: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256';
}

/** Creates a new verifier (43 base64url chars) and its `S256` challenge. */
export async function createPkcePair(): Promise<PkcePair> {
  const codeVerifier = generateRandomCodeVerifier();
  const codeChallenge = await calculatePKCECodeChallenge(codeVerifier);
  return { codeVerifier, codeChallenge, codeChallengeMethod: 'S256' };
}

/** Creates a new unguessable `state` value (CSRF protection of the redirect, RFC 6749 §10.12). */
export function createState(): string {
  return generateRandomState();
}
