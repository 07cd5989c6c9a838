/**
 * @module governor/owner-directory
 * Which RingCentral user a token belongs to, for calls that do not say whose budget they spend (the explorer's
 * chart and time-zone reads, the user lookup right after login, refresh and revoke). Filled from every token
 * response the app gets (`owner_id`) and from calls that name their user. Only a SHA-256 digest of each token is
 * kept, never the token; bounded, least recently used first out.
 */
import { createHash } from 'node:crypto';
import type { TokenSet } from '../session/types.js';

/** Token → RingCentral user (extension id). */
export interface OwnerDirectory {
  remember(token: string, owner: string): void;
  /** Both tokens of a token set. */
  rememberTokens(tokens: TokenSet): void;
  ownerOf(token: string | undefined | null): string | undefined;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Creates an empty directory holding at most `maxEntries` tokens (default 20 000). */
export function createOwnerDirectory(maxEntries = 20_000): OwnerDirectory {
  const owners = new Map<string, string>();
  const directory: OwnerDirectory = {
    remember(token, owner) {
      if (token === '' || owner === '') return;
      const key = digest(token);
      owners.delete(key);
      owners.set(key, owner);
      if (owners.size > maxEntries) {
        const oldest = owners.keys().next();
        if (oldest.done !== true) owners.delete(oldest.value);
      }
    },
    rememberTokens(tokens) {
      directory.remember(tokens.accessToken, tokens.ownerId);
      if (tokens.refreshToken !== undefined) directory.remember(tokens.refreshToken, tokens.ownerId);
    },
    ownerOf(token) {
      if (token === undefined || token === null || token === '') return undefined;
      return owners.get(digest(token));
    },
  };
  return directory;
}
