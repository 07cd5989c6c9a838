/**
 * @module emulator/cli
 * `npm run emulator`: starts the RingCentral emulator on `EMULATOR_HOST` (default 127.0.0.1) : `EMULATOR_PORT`
 * (default 5001; 0 = a free port), prints its URL, the demo apps and users, and closes on SIGINT/SIGTERM.
 * `EMULATOR_REDIRECT_URIS` (comma-separated) registers extra redirect URIs; `EMULATOR_LOG=1` logs request paths.
 * `EMULATOR_DATA_DIR` keeps the OAuth state (clock offset, codes, sessions, tokens), the address books and the added
 * call records in `<dir>/emulator/` across restarts, as the app's built-in emulator does in `DATA_DIR`; unset,
 * everything lives in memory.
 * The first line printed is always `RingCentral emulator listening on <url>` (scripts and tests read it).
 */
import { DEMO_APP_PERMISSIONS } from './demo.js';
import { DEMO, startEmulator } from './index.js';

function fail(message: string): never {
  console.error(`emulator: ${message}`);
  process.exit(1);
}

const portText = process.env.EMULATOR_PORT ?? '5001';
if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
  fail(`EMULATOR_PORT must be an integer 0..65535, got ${JSON.stringify(portText)}`);
}
const host = process.env.EMULATOR_HOST ?? '127.0.0.1';
const dataDir = (process.env.EMULATOR_DATA_DIR ?? '').trim();
const redirectUris = (process.env.EMULATOR_REDIRECT_URIS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

let emulator: Awaited<ReturnType<typeof startEmulator>>;
try {
  emulator = await startEmulator({
    port: Number(portText),
    host,
    redirectUris,
    logger: process.env.EMULATOR_LOG === '1',
    ...(dataDir === '' ? {} : { dataDir }),
    onWarning: (message) => console.error(`emulator: ${message}`),
  });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

const { url } = emulator;
const apps = DEMO.apps;
const lines = [
  `RingCentral emulator listening on ${url}`,
  '',
  `Apps (permissions: ${DEMO_APP_PERMISSIONS.join(' ')}):`,
  `  confidential  client_id=${apps.confidential.clientId}  client_secret=${apps.confidential.clientSecret}`,
  `  public (PKCE) client_id=${apps.public.clientId}  (no secret; send client_id in the body)`,
  `  redirect URIs: ${emulator.state.apps.redirectUris().join(', ')}`,
  '',
  'Demo users (account ' + DEMO.accountId + '):',
  ...DEMO.users.map(
    (u) =>
      `  ${u.username.padEnd(20)} ${u.password.padEnd(16)} ext ${u.extensionNumber}  ${u.firstName} ${u.lastName}${
        u.admin ? '  (admin, FullCompanyCallLog)' : ''
      }`,
  ),
  '',
  `Authorize: ${url}/restapi/oauth/authorize   Token: ${url}/restapi/oauth/token`,
  `Control API: ${url}/__emulator/stats | state | reset | clock | faults | limits | redirect-uris | call-log`,
  emulator.state.stateFile === undefined
    ? 'State: in memory (set EMULATOR_DATA_DIR to keep logins across restarts).'
    : `State: ${emulator.state.stateFile} (${emulator.state.loaded.status}).`,
  'Press Ctrl+C to stop.',
];
console.log(lines.join('\n'));
if (!/^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/.test(host)) {
  console.error(
    `emulator: EMULATOR_HOST=${host}: reachable from other machines, and anyone who reaches it can sign in as the demo users (public passwords)`,
  );
}

let closing = false;
const shutdown = (signal: string): void => {
  if (closing) return;
  closing = true;
  console.log(`emulator: ${signal}, closing`);
  emulator.close().then(
    () => process.exit(0),
    (e: unknown) => fail(`close failed: ${e instanceof Error ? e.message : String(e)}`),
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
