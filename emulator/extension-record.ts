/**
 * @module emulator/extension-record
 * One extension of the demo account as the emulator keeps it (the data module builds them, the views render them).
 */
import type { DemoUser } from './demo.js';

/** RingCentral extension types the demo account uses (subset of `AllExtensionTypesEnum`). */
export type ExtensionType =
  'User' | 'Department' | 'IvrMenu' | 'Announcement' | 'Voicemail' | 'FaxUser' | 'ParkLocation';

/** RingCentral extension statuses (`ExtensionStatusEnumFull`). */
export type ExtensionStatus = 'Enabled' | 'Disabled' | 'Frozen' | 'NotActivated' | 'Unassigned';

/** One extension of the demo account. `uri`s are added when rendering, from the request's base URL. */
export interface ExtensionRecord {
  readonly id: number;
  readonly extensionNumber: string;
  readonly name: string;
  readonly type: ExtensionType;
  readonly status: ExtensionStatus;
  readonly contact: {
    readonly firstName?: string;
    readonly lastName?: string;
    readonly company: string;
    readonly email?: string;
    readonly businessPhone?: string;
    readonly jobTitle?: string;
    readonly department?: string;
    readonly emailAsLoginName: boolean;
  };
  readonly admin: boolean;
  readonly internationalCalling: boolean;
  readonly creationTime: string;
  /** Direct number in E.164 (users and the IVR). */
  readonly phoneNumber?: string;
  /** Set for the ten demo users. */
  readonly user?: DemoUser;
}
