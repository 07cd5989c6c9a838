/**
 * @module test/unit/views/fixtures
 * Page models and RingCentral bodies shaped like the real ones (contract §4), for the view tests.
 */
import type {
  ApiResultPageModel,
  CallLogExplorerModel,
  ErrorPageModel,
  HomePageModel,
  LoginPageModel,
  LogoutConfirmPageModel,
  PopupDonePageModel,
  ProfilePageModel,
  ContactsPageModel,
  ReadinessPageModel,
} from '../../../src/web/views/models.js';

export const NOW = Date.parse('2026-11-25T12:00:00Z');

export const USER = { name: 'Alice Smith', extensionNumber: '102' } as const;

export const AUTHORIZE_URL =
  'http://127.0.0.1:5001/restapi/oauth/authorize?response_type=code&client_id=demo-client-id' +
  '&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Foauth2callback&state=s1&code_challenge=c1&code_challenge_method=S256';

export function loginModel(overrides: Partial<LoginPageModel> = {}): LoginPageModel {
  return {
    authorizeUrl: AUTHORIZE_URL,
    popupLoginUrl: '/login?popup=1',
    serverLabel: 'the built-in RingCentral emulator',
    demoUsers: [
      { username: 'admin@example.com', password: 'Passw0rd!admin', note: 'ext. 101, sees the company call log' },
      { username: 'user1@example.com', password: 'Passw0rd!user', note: 'ext. 102' },
    ],
    ...overrides,
  };
}

export function homeModel(overrides: Partial<HomePageModel> = {}): HomePageModel {
  return {
    user: USER,
    csrf: 'csrf-token-1',
    apis: [
      {
        api: 'extension',
        label: 'Read Extension Info',
        description: 'The extensions of your account.',
        href: '/test?api=extension',
      },
      {
        api: 'extension-call-log',
        label: 'Read Extension Call Log',
        description: 'Your calls.',
        href: '/test?api=extension-call-log',
      },
      {
        api: 'account-call-log',
        label: 'Read Account Call Log',
        description: 'Every call of the account.',
        href: '/test?api=account-call-log',
      },
    ],
    sessionExpiresAt: NOW + 7 * 86_400_000,
    ...overrides,
  };
}

export const EXTENSION_BODY = {
  uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension?page=1&perPage=2',
  records: [
    {
      uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001001',
      id: 400000001001,
      extensionNumber: '101',
      contact: { firstName: 'Ada', lastName: 'Admin', email: 'admin@example.com' },
      name: 'Ada Admin',
      type: 'User',
      status: 'Enabled',
    },
    {
      uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001002',
      id: 400000001002,
      extensionNumber: '102',
      contact: { firstName: 'Alice', lastName: 'Smith', email: 'user1@example.com' },
      name: 'Alice Smith',
      type: 'User',
      status: 'Enabled',
    },
  ],
  paging: { page: 1, totalPages: 7, perPage: 2, totalElements: 13, pageStart: 0, pageEnd: 1 },
  navigation: {
    firstPage: { uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension?page=1&perPage=2' },
    nextPage: { uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension?page=2&perPage=2' },
    lastPage: { uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension?page=7&perPage=2' },
  },
};

export const CALL_LOG_BODY = {
  uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001002/call-log?page=2&perPage=2',
  records: [
    {
      uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001002/call-log/AAA1',
      id: 'AAA1',
      sessionId: '4000001',
      startTime: '2026-11-25T09:15:02.000Z',
      duration: 3725,
      type: 'Voice',
      direction: 'Inbound',
      action: 'Phone Call',
      result: 'Accepted',
      from: { phoneNumber: '+16505550100', name: 'Bob Caller' },
      to: { extensionNumber: '102', name: 'Alice Smith' },
      extension: {
        id: 400000001002,
        uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001002',
      },
    },
    {
      uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001002/call-log/AAA2',
      id: 'AAA2',
      sessionId: '4000002',
      startTime: '2026-11-24T17:40:00.000Z',
      duration: 42,
      type: 'Fax',
      direction: 'Outbound',
      action: 'Outgoing Fax',
      result: 'Sent',
      from: { extensionNumber: '102', name: 'Alice Smith' },
      to: { phoneNumber: '+442071234567' },
    },
  ],
  paging: { page: 2, totalPages: 130, perPage: 2, totalElements: 260, pageStart: 2, pageEnd: 3 },
  navigation: {},
};

export function apiResultModel(overrides: Partial<ApiResultPageModel> = {}): ApiResultPageModel {
  const body = overrides.body ?? CALL_LOG_BODY;
  return {
    user: USER,
    csrf: 'csrf-token-1',
    api: 'extension-call-log',
    title: 'Read Extension Call Log',
    request: 'GET /restapi/v1.0/account/~/extension/~/call-log',
    status: 200,
    body,
    rawJson: 'rawJson' in overrides ? '' : JSON.stringify(body, null, 2),
    jsonHref: '/test?api=extension-call-log&page=2&format=json',
    paging: {
      first: '/test?api=extension-call-log&page=1',
      previous: '/test?api=extension-call-log&page=1',
      next: '/test?api=extension-call-log&page=3',
      last: '/test?api=extension-call-log&page=130',
      page: 2,
      totalPages: 130,
      totalElements: 260,
      perPage: 2,
    },
    timeZone: 'UTC',
    ...overrides,
  };
}

/** The explorer around a call-log table: filters, a three-day chart, the export. */
export function explorerModel(overrides: Partial<CallLogExplorerModel> = {}): CallLogExplorerModel {
  return {
    filters: {
      api: 'extension-call-log',
      dateFrom: '2026-11-23',
      dateTo: '2026-11-25',
      direction: 'Inbound',
      type: '',
      view: 'Simple',
      perPage: 2,
      timeZone: 'Europe/Berlin',
      rangeText: 'Nov 23, 2026 – Nov 25, 2026',
      presets: [
        { label: 'Last 24 hours', href: '/test?api=extension-call-log&direction=Inbound', current: false },
        {
          label: 'Last 7 days',
          href: '/test?api=extension-call-log&dateFrom=2026-11-18&dateTo=2026-11-25&direction=Inbound',
          current: false,
        },
      ],
      resetHref: '/test?api=extension-call-log',
    },
    chart: {
      timeZone: 'Europe/Berlin',
      days: [
        { date: '2026-11-23', inbound: 3, outbound: 2, missed: 1 },
        { date: '2026-11-24', inbound: 0, outbound: 0, missed: 0 },
        { date: '2026-11-25', inbound: 7, outbound: 5, missed: 0 },
      ],
      sourceText: '17 calls, read in 1 RingCentral request',
    },
    export: {
      href: '/export/call-log.csv?scope=extension&dateFrom=2026-11-23&dateTo=2026-11-25&direction=Inbound&tz=Europe%2FBerlin',
      total: 17,
      requests: 1,
    },
    ...overrides,
  };
}

export const PERMISSION_DENIED_BODY = {
  errorCode: 'CMN-408',
  message:
    'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission for requested resource.',
  errors: [
    {
      errorCode: 'CMN-408',
      message:
        'In order to call this API endpoint, user needs to have [FullCompanyCallLog] permission for requested resource.',
      permissionName: 'FullCompanyCallLog',
    },
  ],
  permissionName: 'FullCompanyCallLog',
};

export function errorModel(overrides: Partial<ErrorPageModel> = {}): ErrorPageModel {
  return {
    status: 429,
    title: 'RingCentral rate limit reached',
    message: 'RingCentral asked us to slow down.',
    code: 'RCAPP_RATE_LIMITED',
    retryAfterSeconds: 30,
    actions: [{ href: '/', label: 'Back to home' }],
    ...overrides,
  };
}

export function logoutConfirmModel(overrides: Partial<LogoutConfirmPageModel> = {}): LogoutConfirmPageModel {
  return { user: USER, csrf: 'csrf-token-1', ...overrides };
}

export function contactsModel(overrides: Partial<ContactsPageModel> = {}): ContactsPageModel {
  return { user: USER, csrf: 'csrf-token-1', ...overrides };
}

export function popupDoneModel(overrides: Partial<PopupDonePageModel> = {}): PopupDonePageModel {
  return { ok: true, next: '/test', ...overrides };
}

/** A readiness report of a short session: two endpoints, one of them short of successes, one unused permission. */
export function readinessModel(overrides: Partial<ReadinessPageModel> = {}): ReadinessPageModel {
  return {
    report: {
      generatedAt: '2026-11-25T12:00:00.000Z',
      since: '2026-11-24T00:00:00.000Z',
      endpoints: [
        {
          operationId: 'listExtensions',
          method: 'GET',
          path: '/restapi/v1.0/account/{accountId}/extension',
          group: 'Medium',
          permission: 'ReadAccounts',
          calls: 1234,
          success: 1200,
          clientErrors: 30,
          rateLimited: 0,
          serverErrors: 4,
          noAnswer: 0,
          clientErrorShare: 0.024311,
          passes: true,
        },
        {
          operationId: 'readUserCallLog',
          method: 'GET',
          path: '/restapi/v1.0/account/{accountId}/extension/{extensionId}/call-log',
          group: 'Heavy',
          permission: 'ReadCallLog',
          calls: 3,
          success: 3,
          clientErrors: 0,
          rateLimited: 0,
          serverErrors: 0,
          noAnswer: 0,
          clientErrorShare: 0,
          passes: false,
        },
      ],
      totals: { calls: 1237, success: 1203, clientErrors: 30, rateLimited: 0, clientErrorShare: 0.024 },
      oauth: { tokenCalls: 12, tokenRateLimited: 0, refreshes: 10, refreshFailures: 1, revocations: 2 },
      permissions: {
        requested: ['ReadAccounts', 'ReadCallLog', 'ReadMessages'],
        used: ['ReadAccounts', 'ReadCallLog'],
        unused: ['ReadMessages'],
      },
      criteria: [
        {
          id: 'success-per-endpoint',
          text: '5 successful calls per endpoint',
          ok: false,
          detail: 'readUserCallLog: 3',
        },
        { id: 'permissions-used', text: 'No unused permissions', ok: false, detail: 'ReadMessages' },
      ],
      ready: false,
    },
    ...overrides,
  };
}

/** RingCentral's `readExtension` answer for the user's own extension (trimmed to what the profile page reads). */
export const OWN_EXTENSION_BODY = {
  uri: 'http://127.0.0.1:5001/restapi/v1.0/account/400000001000/extension/400000001102',
  id: 400000001102,
  extensionNumber: '102',
  contact: { firstName: 'Alice', lastName: 'Smith', email: 'user1@example.com', company: 'Example Inc.' },
  name: 'Alice Smith',
  type: 'User',
  status: 'Enabled',
};

export function profileModel(overrides: Partial<ProfilePageModel> = {}): ProfilePageModel {
  return {
    user: USER,
    csrf: 'csrf-token-1',
    sessionExpiresAt: NOW + 7 * 86_400_000,
    extension: OWN_EXTENSION_BODY,
    request: 'GET /restapi/v1.0/account/~/extension/~',
    permissions: ['ReadAccounts', 'ReadCallLog', 'ReadPresence'],
    sessionEndsAt: NOW + 8 * 3_600_000,
    jsonHref: '/profile?format=json',
    ...overrides,
  };
}
