/**
 * @module emulator/call-log-data
 * Generates each demo user's call log: ≥ 250 records over the last 30 days (some within the last 24 h), a mix of
 * inbound/outbound voice and fax calls, internal calls between users (both sides logged, same session) and external
 * calls to E.164 numbers. Deterministic for a given seed and generation time.
 *
 * @see ringcentral-contract.md §4.3 (record shape)
 */
import type { ExtensionRecord } from './extension-record.js';
import { createPrng, type Prng } from './prng.js';

/** `from` / `to` of a call (`CallLogFromParty` / `CallLogToParty`). */
export interface CallParty {
  readonly phoneNumber?: string;
  readonly extensionNumber?: string;
  readonly extensionId?: string;
  readonly name?: string;
  readonly location?: string;
}

/** Fields shared by a record and its legs (`BaseCallLogRecord`). */
export interface CallBase {
  readonly startTime: string;
  readonly duration: number;
  readonly durationMs: number;
  readonly type: 'Voice' | 'Fax';
  readonly direction: 'Inbound' | 'Outbound';
  readonly action: string;
  readonly result: string;
  readonly reason: string;
  readonly reasonDescription: string;
  readonly from: CallParty;
  readonly to: CallParty;
  readonly transport: 'PSTN' | 'VoIP';
  readonly internalType: string;
}

/** One leg of a call (`CallLogRecordLegInfo`), shown by `view=Detailed`. */
export interface CallLeg extends CallBase {
  readonly legType: string;
  readonly master: boolean;
}

/** One call-log record of one extension. */
export interface CallRecord extends CallBase {
  readonly id: string;
  readonly sessionId: string;
  readonly telephonySessionId: string;
  readonly startTimeMs: number;
  readonly ownerExtensionId: number;
  readonly recording?: { readonly id: string; readonly type: 'Automatic' | 'OnDemand' };
  readonly message?: { readonly id: string; readonly type: 'VoiceMail' | 'Fax' };
  readonly billing: { readonly costIncluded: number; readonly costPurchased: number };
  readonly lastModifiedTime: string;
  readonly legs: readonly CallLeg[];
}

/** Records generated per user before internal calls add the other side (so each user ends with ≥ 250). */
const OWN_CALLS_PER_USER = 262;
/** Calls per user placed within the last 24 hours (so the default call-log window is never empty after a reset). */
const RECENT_CALLS_PER_USER = 8;
const DAY_MS = 86_400_000;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const HEX = '0123456789abcdef';

const AREAS: readonly (readonly [string, string])[] = [
  ['212', 'New York, NY'],
  ['415', 'San Francisco, CA'],
  ['312', 'Chicago, IL'],
  ['617', 'Boston, MA'],
  ['206', 'Seattle, WA'],
  ['303', 'Denver, CO'],
  ['512', 'Austin, TX'],
  ['408', 'San Jose, CA'],
  ['646', 'New York, NY'],
  ['305', 'Miami, FL'],
];
const CONTACT_NAMES = [
  'Olivia Brooks',
  'Liam Chen',
  'Sophia Patel',
  'Noah Williams',
  'Mia Rossi',
  'Lucas Novak',
  'Amelia Okafor',
  'Ethan Schmidt',
  'Harper Silva',
  'Mason Dubois',
  'Acme Supplies',
  'Globex Billing',
  'Initech Support',
];

interface External {
  readonly phoneNumber: string;
  readonly name?: string;
  readonly location: string;
}

interface Outcome {
  readonly result: string;
  readonly reason: string;
  readonly reasonDescription: string;
  readonly connected: boolean;
}

const CONNECTED: Outcome = {
  result: 'Call connected',
  reason: 'Connected',
  reasonDescription: 'The call connected to and was accepted by this number.',
  connected: true,
};
const ACCEPTED: Outcome = {
  result: 'Accepted',
  reason: 'Accepted',
  reasonDescription: 'The call connected to and was accepted by this number.',
  connected: true,
};
const MISSED: Outcome = {
  result: 'Missed',
  reason: 'Not Answered',
  reasonDescription: 'The call was not answered.',
  connected: false,
};
const VOICEMAIL: Outcome = {
  result: 'Voicemail',
  reason: 'Not Answered',
  reasonDescription: 'The call was not answered and the caller left a voicemail.',
  connected: false,
};
const NO_ANSWER: Outcome = {
  result: 'No Answer',
  reason: 'No Answer',
  reasonDescription: 'The call was not answered within the ring time.',
  connected: false,
};
const BUSY: Outcome = {
  result: 'Busy',
  reason: 'Line Busy',
  reasonDescription: 'The number called was busy.',
  connected: false,
};
const REJECTED: Outcome = {
  result: 'Rejected',
  reason: 'Calls Not Accepted',
  reasonDescription: 'The call was declined by the callee.',
  connected: false,
};
const WRONG_NUMBER: Outcome = {
  result: 'Wrong Number',
  reason: 'Bad Number',
  reasonDescription: 'The number dialed does not exist.',
  connected: false,
};
const FAX_SENT: Outcome = {
  result: 'Sent',
  reason: 'Accepted',
  reasonDescription: 'The fax was sent.',
  connected: true,
};
const FAX_RECEIVED: Outcome = {
  result: 'Received',
  reason: 'Accepted',
  reasonDescription: 'The fax was received.',
  connected: true,
};
const FAX_FAILED: Outcome = {
  result: 'Fax Not Sent',
  reason: 'Fax Send Error',
  reasonDescription: 'The fax could not be sent.',
  connected: false,
};

function weighted<T>(prng: Prng, items: readonly (readonly [T, number])[]): T {
  let roll = prng.next() * items.reduce((sum, [, w]) => sum + w, 0);
  for (const [item, w] of items) {
    roll -= w;
    if (roll < 0) return item;
  }
  return items[items.length - 1]![0];
}

function party(ext: ExtensionRecord): CallParty {
  return { extensionNumber: ext.extensionNumber, extensionId: String(ext.id), name: ext.name };
}

function directParty(ext: ExtensionRecord): CallParty {
  return { phoneNumber: ext.phoneNumber, name: ext.name };
}

function externalParty(c: External): CallParty {
  return c.name === undefined
    ? { phoneNumber: c.phoneNumber, location: c.location }
    : { phoneNumber: c.phoneNumber, name: c.name, location: c.location };
}

interface Draft {
  base: CallBase;
  legType: string;
  extraLegType?: string;
  recording?: CallRecord['recording'];
  message?: CallRecord['message'];
  costPurchased: number;
}

/** Inputs of {@link generateCallLogs}. */
export interface CallLogInput {
  readonly now: number;
  readonly seed: number;
  readonly users: readonly ExtensionRecord[];
  readonly accountId: string;
}

/** Generates every user's call log and the account call log (both newest first). */
export function generateCallLogs(input: CallLogInput): {
  perExtension: Map<number, CallRecord[]>;
  account: CallRecord[];
} {
  const prng = createPrng(input.seed);
  const externals: External[] = Array.from({ length: 40 }, () => {
    const [area, location] = prng.pick(AREAS);
    const phoneNumber = `+1${area}555${String(prng.int(0, 9999)).padStart(4, '0')}`;
    return prng.chance(0.6) ? { phoneNumber, name: prng.pick(CONTACT_NAMES), location } : { phoneNumber, location };
  });
  const perExtension = new Map<number, CallRecord[]>(input.users.map((u) => [u.id, []]));
  const usedIds = new Set<string>();
  const newId = (): string => {
    for (;;) {
      const id = prng.string(15, ID_ALPHABET);
      if (!usedIds.has(id)) {
        usedIds.add(id);
        return id;
      }
    }
  };

  const record = (owner: ExtensionRecord, startMs: number, draft: Draft, session: [string, string]): CallRecord => {
    const { base } = draft;
    const legs: CallLeg[] = [{ ...base, legType: draft.legType, master: true }];
    if (draft.extraLegType !== undefined) {
      legs.push({ ...base, legType: draft.extraLegType, master: false });
    }
    const rec: CallRecord = {
      ...base,
      id: newId(),
      sessionId: session[0],
      telephonySessionId: session[1],
      startTimeMs: startMs,
      ownerExtensionId: owner.id,
      billing: { costIncluded: 0, costPurchased: draft.costPurchased },
      lastModifiedTime: new Date(startMs + base.durationMs + prng.int(1_000, 90_000)).toISOString(),
      legs,
      ...(draft.recording ? { recording: draft.recording } : {}),
      ...(draft.message ? { message: draft.message } : {}),
    };
    perExtension.get(owner.id)!.push(rec);
    return rec;
  };

  const durationFor = (outcome: Outcome, type: 'Voice' | 'Fax'): number => {
    if (type === 'Fax') return prng.int(20, 180);
    if (outcome === VOICEMAIL) return prng.int(8, 90);
    if (!outcome.connected) return outcome === BUSY ? prng.int(0, 3) : prng.int(0, 40);
    // Most business calls are short; a few are long.
    return Math.round(15 + Math.pow(prng.next(), 2.2) * 1800);
  };

  for (const user of input.users) {
    for (let k = 0; k < OWN_CALLS_PER_USER; k += 1) {
      const ageMs =
        k < RECENT_CALLS_PER_USER
          ? prng.int(10 * 60_000, 23 * 3_600_000)
          : prng.int(3_600_000, 30 * DAY_MS - 3_600_000);
      const startMs = input.now - ageMs;
      const startTime = new Date(startMs).toISOString();
      const session: [string, string] = [`4${prng.string(11, '0123456789')}`, `s-${prng.string(32, HEX)}`];
      const kind = weighted(prng, [
        ['internal', 15],
        ['fax', 8],
        ['inbound', 42],
        ['outbound', 35],
      ] as const);

      if (kind === 'internal') {
        const peers = input.users.filter((u) => u.id !== user.id);
        const peer = prng.pick(peers);
        const answered = prng.chance(0.8);
        const duration = durationFor(answered ? CONNECTED : NO_ANSWER, 'Voice');
        const durationMs = duration * 1000 + prng.int(0, 999);
        const common = {
          startTime,
          duration,
          durationMs,
          type: 'Voice' as const,
          action: 'VoIP Call',
          from: party(user),
          to: party(peer),
          transport: 'VoIP' as const,
          internalType: 'Usual',
        };
        record(
          user,
          startMs,
          {
            base: { ...common, direction: 'Outbound', ...pickOutcome(answered ? CONNECTED : NO_ANSWER) },
            legType: 'ExtensionToExtension',
            costPurchased: 0,
          },
          session,
        );
        record(
          peer,
          startMs,
          {
            base: { ...common, direction: 'Inbound', ...pickOutcome(answered ? ACCEPTED : MISSED) },
            legType: 'ExtensionToExtension',
            costPurchased: 0,
          },
          session,
        );
        continue;
      }

      const contact = prng.pick(externals);
      if (kind === 'fax') {
        const inbound = prng.chance(0.5);
        const outcome = inbound ? FAX_RECEIVED : prng.chance(0.9) ? FAX_SENT : FAX_FAILED;
        const duration = durationFor(outcome, 'Fax');
        record(
          user,
          startMs,
          {
            base: {
              startTime,
              duration,
              durationMs: duration * 1000 + prng.int(0, 999),
              type: 'Fax',
              direction: inbound ? 'Inbound' : 'Outbound',
              action: inbound ? 'Incoming Fax' : 'Outgoing Fax',
              ...pickOutcome(outcome),
              from: inbound ? externalParty(contact) : directParty(user),
              to: inbound ? directParty(user) : externalParty(contact),
              transport: 'PSTN',
              internalType: inbound ? 'Usual' : 'LongDistance',
            },
            legType: inbound ? 'PstnToSip' : 'FaxSent',
            message: { id: prng.string(11, '0123456789'), type: 'Fax' },
            costPurchased: inbound ? 0 : round2(0.05 * Math.max(1, Math.ceil(duration / 60))),
          },
          session,
        );
        continue;
      }

      const inbound = kind === 'inbound';
      const outcome = inbound
        ? weighted(prng, [
            [ACCEPTED, 60],
            [MISSED, 15],
            [VOICEMAIL, 15],
            [REJECTED, 5],
            [BUSY, 5],
          ] as const)
        : weighted(prng, [
            [CONNECTED, 75],
            [NO_ANSWER, 12],
            [BUSY, 8],
            [WRONG_NUMBER, 5],
          ] as const);
      const action = inbound
        ? weighted(prng, [
            ['Phone Call', 70],
            ['VoIP Call', 30],
          ] as const)
        : weighted(prng, [
            ['VoIP Call', 45],
            ['RingOut Web', 20],
            ['Phone Call', 25],
            ['RingOut PC', 10],
          ] as const);
      const duration = durationFor(outcome, 'Voice');
      const transport = action === 'VoIP Call' ? 'VoIP' : 'PSTN';
      const ringOut = action === 'RingOut Web' || action === 'RingOut PC';
      const recorded = outcome.connected && prng.chance(0.12);
      record(
        user,
        startMs,
        {
          base: {
            startTime,
            duration,
            durationMs: duration * 1000 + prng.int(0, 999),
            type: 'Voice',
            direction: inbound ? 'Inbound' : 'Outbound',
            action,
            ...pickOutcome(outcome),
            from: inbound ? externalParty(contact) : directParty(user),
            to: inbound ? directParty(user) : externalParty(contact),
            transport,
            internalType: inbound ? 'Usual' : prng.chance(0.7) ? 'Local' : 'LongDistance',
          },
          legType: inbound
            ? transport === 'VoIP'
              ? 'Accept'
              : 'PstnToSip'
            : ringOut
              ? 'RingOutWebToSubscriber'
              : 'SipToPstnMetered',
          ...(ringOut ? { extraLegType: 'RingOutWebToCaller' } : {}),
          ...(recorded
            ? {
                recording: {
                  id: prng.string(10, '0123456789'),
                  type: prng.chance(0.75) ? ('Automatic' as const) : ('OnDemand' as const),
                },
              }
            : {}),
          ...(outcome === VOICEMAIL
            ? { message: { id: prng.string(11, '0123456789'), type: 'VoiceMail' as const } }
            : {}),
          costPurchased: inbound ? 0 : round2(0.02 * Math.ceil(duration / 60)),
        },
        session,
      );
    }
  }

  const byNewest = (a: CallRecord, b: CallRecord): number =>
    b.startTimeMs - a.startTimeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const list of perExtension.values()) list.sort(byNewest);
  const account = [...perExtension.values()].flat().sort(byNewest);
  return { perExtension, account };
}

function pickOutcome(o: Outcome): Pick<CallBase, 'result' | 'reason' | 'reasonDescription'> {
  return { result: o.result, reason: o.reason, reasonDescription: o.reasonDescription };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
