/**
 * @module emulator/data
 * The deterministic demo account: extensions (the ten pinned users plus a few non-user extensions so the list looks
 * like a real company) and every user's call log, generated from a seed relative to the emulator clock.
 */
import { generateCallLogs, type CallRecord } from './call-log-data.js';
import { DEMO } from './demo.js';
import type { ExtensionRecord, ExtensionStatus, ExtensionType } from './extension-record.js';

export type { ExtensionRecord, ExtensionStatus, ExtensionType } from './extension-record.js';

/** Default seed of the demo data. */
export const DEFAULT_SEED = 0x5eed_2024;

/** Everything the REST endpoints read. Immutable after creation; `reset` builds a new one. */
export interface DemoData {
  readonly accountId: string;
  readonly accountIdNumber: number;
  readonly companyName: string;
  readonly mainNumber: string;
  /** All extensions, ordered by extension number (the order the list endpoint returns). */
  readonly extensions: readonly ExtensionRecord[];
  readonly extensionById: ReadonlyMap<number, ExtensionRecord>;
  /** Demo users by lower-case username. */
  readonly userByUsername: ReadonlyMap<string, ExtensionRecord>;
  /** Call log per extension id, newest first. */
  readonly callLogs: ReadonlyMap<number, readonly CallRecord[]>;
  /** The account call log: every extension's records (each record id once), newest first. */
  readonly accountCallLog: readonly CallRecord[];
  /** Emulator time the data was generated at (call times are relative to it). */
  readonly generatedAt: number;
}

const COMPANY = 'Example Corp';
const MAIN_NUMBER = '+16505550100';

/** Builds the demo account as of `now` (ms) from `seed`. Same seed and `now` ⇒ same data. */
export function buildDemoData(now: number, seed: number = DEFAULT_SEED): DemoData {
  const accountIdNumber = Number(DEMO.accountId);
  // Extensions were "created" long before the call history; pin to a fixed date so they do not move with the clock.
  const created = (daysBefore: number): string =>
    new Date(Date.UTC(2023, 0, 16) - daysBefore * 86_400_000).toISOString();

  const users: ExtensionRecord[] = DEMO.users.map((u, i) => ({
    id: u.extensionId,
    extensionNumber: u.extensionNumber,
    name: `${u.firstName} ${u.lastName}`,
    type: 'User',
    status: 'Enabled',
    contact: {
      firstName: u.firstName,
      lastName: u.lastName,
      company: COMPANY,
      email: u.username,
      businessPhone: `+1650555${u.extensionNumber.padStart(4, '0')}`,
      jobTitle: u.jobTitle,
      department: u.department,
      emailAsLoginName: true,
    },
    admin: u.admin,
    internationalCalling: u.admin || i % 3 === 0,
    creationTime: created(200 - i * 7),
    phoneNumber: `+1650555${u.extensionNumber.padStart(4, '0')}`,
    user: u,
  }));

  const other = (
    extensionNumber: string,
    name: string,
    type: ExtensionType,
    status: ExtensionStatus,
    daysBefore: number,
    extra: Partial<ExtensionRecord> = {},
  ): ExtensionRecord => ({
    id: accountIdNumber + Number(extensionNumber),
    extensionNumber,
    name,
    type,
    status,
    contact: { firstName: name, company: COMPANY, emailAsLoginName: false },
    admin: false,
    internationalCalling: false,
    creationTime: created(daysBefore),
    ...extra,
  });

  const extensions: ExtensionRecord[] = [
    ...users,
    other('201', 'Sales', 'Department', 'Enabled', 240),
    other('202', 'Support', 'Department', 'Enabled', 238),
    other('301', 'Main Menu', 'IvrMenu', 'Enabled', 250, { phoneNumber: MAIN_NUMBER }),
    other('401', 'Holiday Greeting', 'Announcement', 'Enabled', 120),
    other('501', 'Shared Voicemail', 'Voicemail', 'Disabled', 180),
    other('601', 'Reception Fax', 'FaxUser', 'NotActivated', 30),
    other('801', 'Lobby Park', 'ParkLocation', 'Enabled', 90),
  ].sort((a, b) => Number(a.extensionNumber) - Number(b.extensionNumber));

  // Call logs are generated on first use: a reset (every test's beforeEach) stays cheap.
  let logs: ReturnType<typeof generateCallLogs> | undefined;
  const callLogs = (): ReturnType<typeof generateCallLogs> =>
    (logs ??= generateCallLogs({ now, seed, users, accountId: DEMO.accountId }));

  return {
    accountId: DEMO.accountId,
    accountIdNumber,
    companyName: COMPANY,
    mainNumber: MAIN_NUMBER,
    extensions,
    extensionById: new Map(extensions.map((e) => [e.id, e])),
    userByUsername: new Map(users.map((e) => [e.user!.username.toLowerCase(), e])),
    get callLogs() {
      return callLogs().perExtension;
    },
    get accountCallLog() {
      return callLogs().account;
    },
    generatedAt: now,
  };
}
