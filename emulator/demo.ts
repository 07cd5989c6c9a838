/**
 * @module emulator/demo
 * The pinned demo apps and users (DESIGN §3). Tests, the CLI banner, the README and docs/emulator.md rely on these
 * exact values.
 */

/**
 * App permissions (OAuth scopes) of both demo apps: the quick start's two, plus what the personal address book
 * (`ReadContacts`, `Contacts`) and presence (`ReadPresence`) need, as the spec's `x-app-permission` names them.
 */
export const DEMO_APP_PERMISSIONS = [
  'ReadAccounts',
  'ReadCallLog',
  'ReadContacts',
  'Contacts',
  'ReadPresence',
] as const;

/** Default redirect URI of both demo apps (the quick start's). */
export const DEMO_REDIRECT_URI = 'http://localhost:5000/oauth2callback';

/** A demo user who can sign in on the authorize page. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly extensionNumber: string;
  readonly extensionId: number;
  readonly firstName: string;
  readonly lastName: string;
  readonly jobTitle: string;
  readonly department: string;
  /** User-level permissions beyond the defaults (the admin has `FullCompanyCallLog`). */
  readonly userPermissions: readonly string[];
  readonly admin: boolean;
}

const ACCOUNT_ID = 400000001000;

function user(n: number, firstName: string, lastName: string, jobTitle: string, department: string): DemoUser {
  const extensionNumber = String(101 + n);
  return {
    username: `user${n}@example.com`,
    password: 'Passw0rd!user',
    extensionNumber,
    extensionId: ACCOUNT_ID + 101 + n,
    firstName,
    lastName,
    jobTitle,
    department,
    userPermissions: ['ReadCallLog', 'ReadExtensions'],
    admin: false,
  };
}

const ADMIN: DemoUser = {
  username: 'admin@example.com',
  password: 'Passw0rd!admin',
  extensionNumber: '101',
  extensionId: ACCOUNT_ID + 101,
  firstName: 'Ava',
  lastName: 'Morgan',
  jobTitle: 'IT Administrator',
  department: 'IT',
  userPermissions: ['ReadCallLog', 'ReadExtensions', 'FullCompanyCallLog'],
  admin: true,
};

const USERS: readonly DemoUser[] = [
  ADMIN,
  user(1, 'Ben', 'Carter', 'Sales Manager', 'Sales'),
  user(2, 'Chloe', 'Diaz', 'Account Executive', 'Sales'),
  user(3, 'Daniel', 'Evans', 'Support Engineer', 'Support'),
  user(4, 'Emma', 'Foster', 'Support Engineer', 'Support'),
  user(5, 'Felix', 'Garcia', 'Marketing Lead', 'Marketing'),
  user(6, 'Grace', 'Hughes', 'Product Manager', 'Product'),
  user(7, 'Henry', 'Ito', 'Software Engineer', 'Engineering'),
  user(8, 'Isla', 'Jensen', 'Finance Analyst', 'Finance'),
  user(9, 'Jack', 'Kim', 'Office Manager', 'Operations'),
];

/**
 * The pinned demo data: one account, a confidential app (Basic auth) and a public app (PKCE, `client_id` in the
 * body), the admin and nine users. Extension ids are `accountId + extensionNumber`.
 */
export const DEMO = {
  accountId: String(ACCOUNT_ID),
  apps: {
    confidential: {
      clientId: 'demo-client-id',
      clientSecret: 'demo-client-secret',
      name: 'rc-authflow demo app',
      redirectUri: DEMO_REDIRECT_URI,
      permissions: DEMO_APP_PERMISSIONS,
    },
    public: {
      clientId: 'demo-public-client-id',
      clientSecret: undefined,
      name: 'rc-authflow demo app (public client)',
      redirectUri: DEMO_REDIRECT_URI,
      permissions: DEMO_APP_PERMISSIONS,
    },
  },
  /** Shortcuts for the confidential app. */
  clientId: 'demo-client-id',
  clientSecret: 'demo-client-secret',
  publicClientId: 'demo-public-client-id',
  redirectUri: DEMO_REDIRECT_URI,
  admin: ADMIN,
  users: USERS,
  /** Look up a demo user by username (`admin@example.com`, `user1@example.com` ... `user9@example.com`). */
  user(username: string): DemoUser {
    const found = USERS.find((u) => u.username === username);
    if (!found) throw new RangeError(`no demo user ${JSON.stringify(username)}`);
    return found;
  },
} as const;
