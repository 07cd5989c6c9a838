/**
 * `npm run doctor`: checks this configuration (`.env` + environment, as the app reads it) before anyone runs it,
 * prints ✓/✗ lines with a one-line fix for each problem, and exits 1 when something would fail. With no
 * RC_SERVER_URL it checks against a fresh built-in emulator, as `npm start` would use.
 *
 *   npm run doctor [-- --app-url <url>] [--timeout <ms>]
 *   npm run doctor -- --explain <code>           e.g. OAU-109, OAU-146, InsufficientPermissions
 *   npm run doctor -- --readiness [--app-url <url>]   the running app's production-readiness report (ADMIN_TOKEN)
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/config.js';
import { EXPLAINED_CODES, explainCode } from '../src/rc-api/error-explanations.js';
import { formatDoctorReport, runDoctor } from '../src/doctor/run-doctor.js';
import type { ReadinessReport } from '../src/readiness/readiness-report.js';
import { formatReadinessReport } from '../src/readiness/readiness-text.js';
import { readEnvironment } from '../src/server.js';

const USAGE = `usage: npm run doctor [-- --app-url <url>] [--timeout <ms>]
       npm run doctor -- --explain <code>
       npm run doctor -- --readiness [--app-url <url>]`;

function configOrUndefined(env: Record<string, string | undefined>): Readonly<Config> | undefined {
  try {
    return loadConfig(env);
  } catch {
    return undefined;
  }
}

function explain(code: string, env: Record<string, string | undefined>): number {
  const config = configOrUndefined(env);
  const explained = explainCode(
    code,
    config === undefined
      ? {}
      : {
          redirectUrl: config.ringCentral.redirectUrl,
          clientId: config.ringCentral.clientId,
          publicClient: config.ringCentral.clientSecret === undefined,
        },
  );
  if (explained === undefined) {
    console.log(`${code}: not a code the doctor knows. Known: ${EXPLAINED_CODES.join(', ')}`);
    return 1;
  }
  console.log(`${explained.code}: ${explained.meaning}\n    fix: ${explained.fix}`);
  return 0;
}

async function readiness(env: Record<string, string | undefined>, appUrl: string | undefined, timeoutMs: number) {
  const config = configOrUndefined(env);
  if (config === undefined) {
    console.log('✗ the configuration is invalid: run npm run doctor first');
    return 1;
  }
  if (config.adminToken === undefined) {
    console.log(
      '✗ ADMIN_TOKEN is not set, so the app serves no readiness report\n    fix: set ADMIN_TOKEN (32+ characters) for the app and for this command',
    );
    return 1;
  }
  const base = new URL(appUrl ?? config.publicOrigin).origin;
  let response: Response;
  try {
    response = await fetch(`${base}/admin/readiness`, {
      headers: { accept: 'application/json', authorization: `Bearer ${config.adminToken}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    console.log(`✗ no app answers at ${base}\n    fix: start it (npm start) or pass --app-url`);
    return 1;
  }
  if (response.status !== 200) {
    console.log(`✗ ${base}/admin/readiness answered HTTP ${response.status}\n    fix: use the app's ADMIN_TOKEN`);
    return 1;
  }
  const report = (await response.json()) as ReadinessReport;
  console.log(formatReadinessReport(report));
  return report.ready ? 0 : 1;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        explain: { type: 'string' },
        readiness: { type: 'boolean' },
        'app-url': { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const timeoutMs = values.timeout === undefined ? 5_000 : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
    console.error(`--timeout must be a number of ms between 100 and 120000\n${USAGE}`);
    return 2;
  }
  const env = readEnvironment();
  if (values.explain !== undefined) return explain(values.explain, env);
  if (values.readiness === true) return readiness(env, values['app-url'], timeoutMs);

  const config = configOrUndefined(env);
  let emulator: { url: string; close(): Promise<void> } | undefined;
  if (config !== undefined && config.ringCentral.serverUrl === undefined) {
    // As `npm start` would: the built-in emulator, with the app's redirect URI registered.
    const { startEmulator } = await import('../emulator/index.js');
    emulator = await startEmulator({ port: 0, host: '127.0.0.1', redirectUris: [config.ringCentral.redirectUrl] });
  }
  try {
    const report = await runDoctor({
      env,
      timeoutMs,
      ...(emulator === undefined ? {} : { emulatorUrl: emulator.url }),
      ...(values['app-url'] === undefined ? {} : { appUrl: values['app-url'] }),
    });
    const heading = emulator === undefined ? 'rc-authflow doctor' : 'rc-authflow doctor, with the built-in emulator';
    console.log(formatDoctorReport(report, heading));
    return report.ok ? 0 : 1;
  } finally {
    await emulator?.close();
  }
}

process.exitCode = await main();
