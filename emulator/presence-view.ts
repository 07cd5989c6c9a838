/**
 * @module emulator/presence-view
 * Deterministic presence (`PresenceInfoResponse`) for the demo extensions. Users cycle through five states by their
 * place in the demo list: the admin is Available; user1 is on a call (CallConnected); user2 is Busy with Do Not
 * Disturb; user3 is Offline; user4's phone is Ringing (a colleague calling); then again from Available. Non-user
 * extensions are Offline with no telephony, user or DND status, as the spec describes. `detailedTelephonyState=true`
 * adds `activeCalls`, and `sipData=true` adds each call's SIP data to them.
 *
 * @see spec/rc-public-openapi.yml `readUserPresenceStatus`
 */
import type { DemoData, ExtensionRecord } from './data.js';
import { DEMO } from './demo.js';
import { extensionUri } from './extension-view.js';

/** One demo presence state. */
interface PresenceState {
  readonly userStatus: 'Available' | 'Busy' | 'Offline';
  readonly dndStatus: 'TakeAllCalls' | 'DoNotAcceptAnyCalls';
  readonly telephonyStatus: 'NoCall' | 'CallConnected' | 'Ringing';
  readonly message?: string;
  /** Who is on the other end of the active call (a phone number or another user's extension). */
  readonly peer?: { readonly number: string; readonly name?: string };
}

const STATES: readonly PresenceState[] = [
  { userStatus: 'Available', dndStatus: 'TakeAllCalls', telephonyStatus: 'NoCall', message: 'In the office' },
  {
    userStatus: 'Available',
    dndStatus: 'TakeAllCalls',
    telephonyStatus: 'CallConnected',
    peer: { number: '+14155550142' },
  },
  { userStatus: 'Busy', dndStatus: 'DoNotAcceptAnyCalls', telephonyStatus: 'NoCall', message: 'Focus time' },
  { userStatus: 'Offline', dndStatus: 'TakeAllCalls', telephonyStatus: 'NoCall' },
  {
    userStatus: 'Available',
    dndStatus: 'TakeAllCalls',
    telephonyStatus: 'Ringing',
    peer: { number: DEMO.admin.extensionNumber, name: `${DEMO.admin.firstName} ${DEMO.admin.lastName}` },
  },
];

/** How long the demo active call has been going. */
const CALL_AGE_MS = 4 * 60_000;

/** Presence options from the query. */
export interface PresenceOptions {
  readonly detailedTelephonyState: boolean;
  readonly sipData: boolean;
}

function stateOf(ext: ExtensionRecord): PresenceState | undefined {
  if (ext.user === undefined) return undefined;
  const index = DEMO.users.findIndex((u) => u.extensionId === ext.id);
  return STATES[index % STATES.length];
}

function aggregate(s: PresenceState): 'Available' | 'Busy' | 'Offline' {
  if (s.userStatus === 'Offline') return 'Offline';
  if (s.telephonyStatus !== 'NoCall' || s.userStatus === 'Busy' || s.dndStatus === 'DoNotAcceptAnyCalls') {
    return 'Busy';
  }
  return 'Available';
}

function activeCall(ext: ExtensionRecord, s: PresenceState, now: number, sip: boolean): Record<string, unknown> {
  const peer = s.peer!;
  const own = ext.phoneNumber ?? ext.extensionNumber;
  const callId = `${ext.id}`.slice(-6);
  return {
    id: `call-${callId}`,
    direction: 'Inbound',
    from: peer.number,
    ...(peer.name !== undefined ? { fromName: peer.name } : {}),
    to: own,
    toName: ext.name,
    startTime: new Date(now - CALL_AGE_MS).toISOString(),
    telephonyStatus: s.telephonyStatus,
    sessionId: `49${callId}0001`,
    telephonySessionId: `s-a0d7${callId}c0ffee00000000000000000000`,
    partyId: `p-a0d7${callId}-1`,
    ...(sip
      ? {
          sipData: {
            callId: `${callId}-emulator@sip.ringcentral.com`,
            toTag: `to-${callId}`,
            fromTag: `from-${callId}`,
            remoteUri: `sip:${peer.number.replace('+', '')}@sip.ringcentral.com`,
            localUri: `sip:${own.replace('+', '')}@sip.ringcentral.com`,
          },
        }
      : {}),
  };
}

/** The presence of one extension at emulator time `now`. */
export function renderPresence(
  base: string,
  data: DemoData,
  ext: ExtensionRecord,
  now: number,
  options: PresenceOptions,
): Record<string, unknown> {
  const uri = extensionUri(base, data, ext.id);
  const head = {
    uri: `${uri}/presence`,
    extension: { uri, id: ext.id, extensionNumber: ext.extensionNumber },
  };
  const s = stateOf(ext);
  if (s === undefined) return { ...head, presenceStatus: 'Offline' };
  return {
    ...head,
    presenceStatus: aggregate(s),
    telephonyStatus: s.telephonyStatus,
    userStatus: s.userStatus,
    dndStatus: s.dndStatus,
    ...(s.message !== undefined ? { message: s.message } : {}),
    allowSeeMyPresence: true,
    callerIdVisibility: 'All',
    ringOnMonitoredCall: false,
    pickUpCallsOnHold: false,
    meetingStatus: 'Disconnected',
    ...(options.detailedTelephonyState
      ? { activeCalls: s.peer === undefined ? [] : [activeCall(ext, s, now, options.sipData)] }
      : {}),
  };
}
