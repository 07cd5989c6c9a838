/**
 * @module emulator/saved-parts
 * What of an emulator's state survives a restart (when it has a data directory), each part with the schema its saved
 * form must pass:
 * - `clock`: the offset the control API moved the clock by (token lifetimes are emulator times);
 * - `tokens`: authorization codes, OAuth sessions and their token pairs with the rotation state (current/previous
 *   pair, first use, replacement, revocation).
 * Rate-limit counters, stats, faults and the demo data are not saved: they are regenerated or start at zero.
 * Redirect URIs are configuration (given again at every start). New state that must persist like the rest (for
 * example records added through the control API) is one more entry in {@link savedParts}.
 */
import { z } from 'zod';

import type { EmulatorClock } from './clock.js';
import { persistentPart, type PersistentPart } from './persistence.js';
import type { TokenStore, TokenStoreState } from './tokens.js';

/** Upper bounds on what a snapshot may hold (far above what the store keeps: 5 sessions per user per app). */
const MAX_SESSIONS = 100_000;
const MAX_CODES = 20_000;

const time = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const token = z.string().regex(/^[A-Za-z0-9_-]{48}$/);
const shortText = z.string().min(1).max(256);

const ClockPart = z.strictObject({ offsetMs: time });

const TokenPair = z.strictObject({
  accessToken: token,
  refreshToken: token,
  issuedAt: time,
  accessExpiresAt: time,
  refreshExpiresAt: time,
  firstUsedAt: time.optional(),
  replacedAt: time.optional(),
});

const Session = z.strictObject({
  id: shortText,
  clientId: shortText,
  extensionId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  scope: z.array(shortText).max(64),
  endpointId: shortText,
  createdAt: time,
  current: TokenPair,
  previous: TokenPair.optional(),
  revoked: z.boolean(),
});

const Code = z.strictObject({
  code: token,
  clientId: shortText,
  redirectUri: z.string().min(1).max(2000),
  redirectUriInRequest: z.boolean(),
  challenge: z
    .strictObject({ value: z.string().regex(/^[A-Za-z0-9\-._~]{43,128}$/), method: z.enum(['plain', 'S256']) })
    .optional(),
  extensionId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  issuedAt: time,
  expiresAt: time,
  used: z.boolean(),
  session: z.number().int().nonnegative().optional(),
});

/** The saved form of the token store; a code must point at a session that is in the same snapshot. */
export const TokenStorePart: z.ZodType<TokenStoreState> = z
  .strictObject({
    sessions: z.array(Session).max(MAX_SESSIONS),
    codes: z.array(Code).max(MAX_CODES),
  })
  .superRefine((state, ctx) => {
    for (const [i, code] of state.codes.entries()) {
      if (code.session !== undefined && code.session >= state.sessions.length) {
        ctx.addIssue({ code: 'custom', path: ['codes', i, 'session'], message: 'no such session' });
        return;
      }
    }
  });

/** The parts of an emulator's state that are saved, in the order they are restored. */
export function savedParts(state: { readonly clock: EmulatorClock; readonly tokens: TokenStore }): PersistentPart[] {
  return [
    persistentPart(
      'clock',
      ClockPart,
      () => ({ offsetMs: state.clock.offsetMs() }),
      (saved) => state.clock.restoreOffset(saved.offsetMs),
    ),
    persistentPart(
      'tokens',
      TokenStorePart,
      () => state.tokens.exportState(),
      (saved) => state.tokens.importState(saved),
    ),
  ];
}
