/**
 * @module emulator/call-log-add
 * Builds the call record that `POST /__emulator/call-log` adds to a user's log: a plausible call at the emulator's
 * now (inbound, voice, answered, one minute, from an outside number) with a fresh id and session ids, and the given
 * fields laid over it. Fields that follow from others are derived unless given: the action from type and direction,
 * the transport from the action, the result from type and direction, the reason and its description from the
 * result, the leg type from all of them, a voicemail or fax message for those results.
 */
import { randomBytes, randomInt } from 'node:crypto';

import type { CallBase, CallParty, CallRecord } from './call-log-data.js';
import type { DemoData, ExtensionRecord } from './data.js';

/** A party as the control API takes it. */
export interface PartyInput {
  readonly phoneNumber?: string;
  readonly extensionNumber?: string;
  readonly name?: string;
  readonly location?: string;
}

/** The fields the control API lets a caller set. */
export interface CallInput {
  readonly startTime?: number;
  readonly duration?: number;
  readonly type?: 'Voice' | 'Fax';
  readonly direction?: 'Inbound' | 'Outbound';
  readonly action?: string;
  readonly result?: string;
  readonly reason?: string;
  readonly reasonDescription?: string;
  readonly transport?: 'PSTN' | 'VoIP';
  readonly internalType?: string;
  readonly from?: PartyInput;
  readonly to?: PartyInput;
  readonly recording?: { readonly type: 'Automatic' | 'OnDemand' };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const OUTSIDE_CALLER: CallParty = {
  phoneNumber: '+14155550199',
  name: 'Emulator Caller',
  location: 'San Francisco, CA',
};

/** Reason and description of the results the demo data uses (others get `Unknown`). */
const REASONS: Readonly<Record<string, readonly [string, string]>> = {
  Accepted: ['Accepted', 'The call connected to and was accepted by this number.'],
  'Call connected': ['Connected', 'The call connected to and was accepted by this number.'],
  Missed: ['Not Answered', 'The call was not answered.'],
  Voicemail: ['Not Answered', 'The call was not answered and the caller left a voicemail.'],
  'No Answer': ['No Answer', 'The call was not answered within the ring time.'],
  Busy: ['Line Busy', 'The number called was busy.'],
  Rejected: ['Calls Not Accepted', 'The call was declined by the callee.'],
  'Wrong Number': ['Bad Number', 'The number dialed does not exist.'],
  Sent: ['Accepted', 'The fax was sent.'],
  Received: ['Accepted', 'The fax was received.'],
  'Fax Not Sent': ['Fax Send Error', 'The fax could not be sent.'],
};

function randomString(length: number, alphabet: string): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet.charAt(b % alphabet.length);
  return out;
}

function digits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += String(randomInt(10));
  return out;
}

/** A party, with the extension id and name of a demo extension filled in from its number. */
function party(data: DemoData, p: PartyInput): CallParty {
  const ext =
    p.extensionNumber === undefined ? undefined : data.extensions.find((e) => e.extensionNumber === p.extensionNumber);
  const name = p.name ?? ext?.name;
  return {
    ...(p.phoneNumber !== undefined ? { phoneNumber: p.phoneNumber } : {}),
    ...(p.extensionNumber !== undefined ? { extensionNumber: p.extensionNumber } : {}),
    ...(ext !== undefined ? { extensionId: String(ext.id) } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(p.location !== undefined ? { location: p.location } : {}),
  };
}

function legTypeOf(base: CallBase): string {
  if (base.type === 'Fax') return base.direction === 'Inbound' ? 'PstnToSip' : 'FaxSent';
  if (base.from.extensionNumber !== undefined && base.to.extensionNumber !== undefined) return 'ExtensionToExtension';
  if (base.direction === 'Inbound') return base.transport === 'VoIP' ? 'Accept' : 'PstnToSip';
  return 'SipToPstnMetered';
}

/**
 * The record to add to `owner`'s log at emulator time `now`; `isTaken` tells which record ids exist already.
 */
export function buildAddedCall(
  data: DemoData,
  owner: ExtensionRecord,
  input: CallInput,
  now: number,
  isTaken: (id: string) => boolean,
): CallRecord {
  const type = input.type ?? 'Voice';
  const direction = input.direction ?? 'Inbound';
  const inbound = direction === 'Inbound';
  const action =
    input.action ??
    (type === 'Fax' ? (inbound ? 'Incoming Fax' : 'Outgoing Fax') : inbound ? 'Phone Call' : 'VoIP Call');
  const result =
    input.result ?? (type === 'Fax' ? (inbound ? 'Received' : 'Sent') : inbound ? 'Accepted' : 'Call connected');
  const [reason, reasonDescription] = REASONS[result] ?? ['Unknown', `The call ended with the result "${result}".`];
  const own: CallParty = {
    ...(owner.phoneNumber !== undefined ? { phoneNumber: owner.phoneNumber } : {}),
    name: owner.name,
  };
  const startMs = input.startTime ?? now;
  const duration = input.duration ?? 60;
  const base: CallBase = {
    startTime: new Date(startMs).toISOString(),
    duration,
    durationMs: duration * 1000,
    type,
    direction,
    action,
    result,
    reason: input.reason ?? reason,
    reasonDescription: input.reasonDescription ?? reasonDescription,
    from: input.from !== undefined ? party(data, input.from) : inbound ? OUTSIDE_CALLER : own,
    to: input.to !== undefined ? party(data, input.to) : inbound ? own : OUTSIDE_CALLER,
    transport: input.transport ?? (action === 'VoIP Call' ? 'VoIP' : 'PSTN'),
    internalType: input.internalType ?? (inbound ? 'Usual' : 'Local'),
  };
  let id = randomString(15, ID_ALPHABET);
  // A clash among ~10^26 ids is next to impossible; the loop is bounded anyway.
  for (let tries = 0; tries < 10 && isTaken(id); tries += 1) id = randomString(15, ID_ALPHABET);
  const message =
    type === 'Fax'
      ? ({ id: digits(11), type: 'Fax' } as const)
      : result === 'Voicemail'
        ? ({ id: digits(11), type: 'VoiceMail' } as const)
        : undefined;
  return {
    ...base,
    id,
    sessionId: `4${digits(11)}`,
    telephonySessionId: `s-${randomBytes(16).toString('hex')}`,
    startTimeMs: startMs,
    ownerExtensionId: owner.id,
    billing: { costIncluded: 0, costPurchased: 0 },
    lastModifiedTime: new Date(Math.max(now, startMs)).toISOString(),
    legs: [{ ...base, legType: legTypeOf(base), master: true }],
    ...(input.recording !== undefined ? { recording: { id: digits(10), type: input.recording.type } } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}
