/**
 * @module emulator/saved-parts
 * What of an emulator's state survives a restart (when it has a data directory), each part with the schema its saved
 * form must pass:
 * - `clock`: the offset the control API moved the clock by (token lifetimes are emulator times);
 * - `tokens`: authorization codes, OAuth sessions and their token pairs with the rotation state (current/previous
 *   pair, first use, replacement, revocation);
 * - `contacts`: every user's personal address book (the seed as changed through the API) and the next contact id;
 * - `callLog`: the call records added through the control API, with their sequence numbers.
 * Rate-limit counters, stats, faults and the generated demo data are not saved: they are regenerated or start at
 * zero. Redirect URIs are configuration (given again at every start). New state that must persist like the rest is
 * one more entry in {@link savedParts}. A snapshot without a part (written before the part existed) leaves it as
 * created: the contact seed, no added calls.
 */
import { z } from 'zod';

import { MAX_ADDED_CALLS, type CallLogBook, type CallLogBookState } from './call-log-book.js';
import { CALL_ACTIONS, CALL_INTERNAL_TYPES, CALL_LEG_TYPES, CALL_REASONS, CALL_RESULTS } from './call-log-enums.js';
import type { EmulatorClock } from './clock.js';
import {
  ADDRESS_KEYS,
  CONTACT_ADDRESS_FIELDS,
  CONTACT_EMAIL_FIELDS,
  CONTACT_PHONE_FIELDS,
  CONTACT_TEXT_FIELDS,
  MAX_CONTACTS_PER_USER,
  type AddressBook,
  type AddressBookState,
} from './contacts.js';
import { DEMO } from './demo.js';
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

const extensionId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const isoTime = z.iso.datetime();
const text = (max: number) => z.string().max(max);

const Address = z.strictObject(Object.fromEntries(ADDRESS_KEYS.map((k) => [k, text(256).optional()])));
const ContactFields = z.strictObject({
  ...Object.fromEntries(Object.entries(CONTACT_TEXT_FIELDS).map(([k, max]) => [k, text(max).optional()])),
  ...Object.fromEntries(CONTACT_EMAIL_FIELDS.map((k) => [k, text(254).optional()])),
  ...Object.fromEntries(CONTACT_PHONE_FIELDS.map((k) => [k, text(256).optional()])),
  ...Object.fromEntries(CONTACT_ADDRESS_FIELDS.map((k) => [k, Address.optional()])),
  birthday: isoTime.optional(),
  webPage: text(2048).optional(),
});

/** The saved form of the address books: contacts of demo users only, each id once, at most the per-user bound. */
export const AddressBookPart = z
  .strictObject({
    nextId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    contacts: z
      .array(
        z.strictObject({
          owner: extensionId,
          id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
          fields: ContactFields,
        }),
      )
      .max(MAX_CONTACTS_PER_USER * DEMO.users.length),
  })
  .superRefine((state, ctx) => {
    const users = new Set<number>(DEMO.users.map((u) => u.extensionId));
    const ids = new Set<number>();
    const perOwner = new Map<number, number>();
    for (const [i, c] of state.contacts.entries()) {
      const count = (perOwner.get(c.owner) ?? 0) + 1;
      perOwner.set(c.owner, count);
      if (!users.has(c.owner) || ids.has(c.id) || count > MAX_CONTACTS_PER_USER) {
        ctx.addIssue({ code: 'custom', path: ['contacts', i], message: 'unexpected contact' });
        return;
      }
      ids.add(c.id);
    }
  }) as unknown as z.ZodType<AddressBookState>;

const Party = z.strictObject({
  phoneNumber: text(64).optional(),
  extensionNumber: text(16).optional(),
  extensionId: text(32).optional(),
  name: text(256).optional(),
  location: text(256).optional(),
});
const CallBase = {
  startTime: isoTime,
  duration: z.int().min(0).max(10_000_000),
  durationMs: z.int().min(0).max(10_000_000_000),
  type: z.enum(['Voice', 'Fax']),
  direction: z.enum(['Inbound', 'Outbound']),
  action: z.enum(CALL_ACTIONS),
  result: z.enum(CALL_RESULTS),
  reason: z.enum(CALL_REASONS),
  reasonDescription: text(512),
  from: Party,
  to: Party,
  transport: z.enum(['PSTN', 'VoIP']),
  internalType: z.enum(CALL_INTERNAL_TYPES),
};
const CallRecordPart = z
  .strictObject({
    ...CallBase,
    id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
    sessionId: text(64),
    telephonySessionId: text(128),
    startTimeMs: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    ownerExtensionId: extensionId,
    recording: z
      .strictObject({ id: z.string().regex(/^\d{1,20}$/), type: z.enum(['Automatic', 'OnDemand']) })
      .optional(),
    message: z.strictObject({ id: z.string().regex(/^\d{1,20}$/), type: z.enum(['VoiceMail', 'Fax']) }).optional(),
    billing: z.strictObject({ costIncluded: z.number().finite(), costPurchased: z.number().finite() }),
    lastModifiedTime: isoTime,
    legs: z
      .array(z.strictObject({ ...CallBase, legType: z.enum(CALL_LEG_TYPES), master: z.boolean() }))
      .min(1)
      .max(8),
  })
  .refine((r) => Date.parse(r.startTime) === r.startTimeMs, { message: 'startTime and startTimeMs differ' });

/** The saved form of the added call records: sequence numbers 1, 2, ... each once, ids unique. */
export const CallLogBookPart = z
  .strictObject({
    calls: z
      .array(z.strictObject({ seq: z.int().positive().max(Number.MAX_SAFE_INTEGER), record: CallRecordPart }))
      .max(MAX_ADDED_CALLS),
  })
  .superRefine((state, ctx) => {
    const seqs = new Set<number>();
    const ids = new Set<string>();
    for (const [i, c] of state.calls.entries()) {
      if (seqs.has(c.seq) || ids.has(c.record.id)) {
        ctx.addIssue({ code: 'custom', path: ['calls', i], message: 'duplicate record' });
        return;
      }
      seqs.add(c.seq);
      ids.add(c.record.id);
    }
  }) as unknown as z.ZodType<CallLogBookState>;

/** The parts of an emulator's state that are saved, in the order they are restored. */
export function savedParts(state: {
  readonly clock: EmulatorClock;
  readonly tokens: TokenStore;
  readonly contacts: AddressBook;
  readonly callLog: CallLogBook;
}): PersistentPart[] {
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
    persistentPart(
      'contacts',
      AddressBookPart,
      () => state.contacts.exportState(),
      (saved) => state.contacts.importState(saved),
    ),
    persistentPart(
      'callLog',
      CallLogBookPart,
      () => state.callLog.exportState(),
      (saved) => state.callLog.importState(saved),
    ),
  ];
}
