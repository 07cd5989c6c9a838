/**
 * @module doctor/run-doctor
 * `npm run doctor`: checks a configuration before anyone runs it, with the same `loadConfig` as the app. In order:
 * the configuration itself; RingCentral reachable; client id and secret accepted; redirect URI registered; the
 * running app's callback is RC_REDIRECT_URL; session secret strength; session store reachable. Each check prints a
 * ✓/✗ line and, when it fails, a one-line fix; any ✗ makes the doctor exit 1. Checks that need RingCentral are
 * skipped when it cannot be reached. Nothing here prints a secret.
 */
import { loadConfig, type Config } from '../config.js';
import { ConfigError } from '../errors.js';
import { result, type CheckResult } from './check.js';
import type { ExplainContext } from '../rc-api/error-explanations.js';
import { checkCallback, checkSessionSecrets, checkSessionStore } from './local-checks.js';
import {
  checkClientCredentials,
  checkRedirectUri,
  checkServerReachable,
  type RingCentralTarget,
} from './ringcentral-checks.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The environment, as the app reads it (`.env` overlaid by the process environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The built-in emulator to check against when RC_SERVER_URL is unset (the CLI starts one). */
  readonly emulatorUrl?: string;
  /** Where the app runs. Default: the origin of RC_REDIRECT_URL. */
  readonly appUrl?: string;
  readonly fetch?: typeof fetch;
  /** Bound of each request. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** The outcome: every check, and whether all would work. */
export interface DoctorReport {
  readonly results: readonly CheckResult[];
  /** No check failed. */
  readonly ok: boolean;
  /** The RingCentral checked, for the heading. */
  readonly serverUrl?: string;
}

/** Runs every check. Never throws for a bad configuration: that is a failed check. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const io = { fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? 5_000 };
  let config: Readonly<Config>;
  try {
    config = loadConfig(options.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const results = err.problems.map((p) =>
      result(
        'config',
        `Configuration: ${p.variable}`,
        'fail',
        `${p.variable} ${p.problem}`,
        `fix ${p.variable} in .env or the environment`,
      ),
    );
    return { results, ok: false };
  }
  const results: CheckResult[] = [result('config', 'Configuration valid', 'ok', 'every variable is valid')];
  const serverUrl = config.ringCentral.serverUrl ?? options.emulatorUrl;
  const context: ExplainContext = {
    redirectUrl: config.ringCentral.redirectUrl,
    clientId: config.ringCentral.clientId,
    publicClient: config.ringCentral.clientSecret === undefined,
  };
  if (serverUrl === undefined) {
    results.push(
      result(
        'server',
        'RingCentral server reachable',
        'skip',
        'RC_SERVER_URL is unset and no built-in emulator was given',
      ),
    );
  } else {
    const target: RingCentralTarget = {
      serverUrl,
      clientId: config.ringCentral.clientId,
      clientSecret: config.ringCentral.clientSecret,
      redirectUrl: config.ringCentral.redirectUrl,
    };
    const server = await checkServerReachable(target, io);
    results.push(server);
    if (server.status === 'ok') {
      results.push(await checkClientCredentials(target, io, context));
      results.push(await checkRedirectUri(target, io, context));
    } else {
      const skipped = 'skipped: RingCentral cannot be reached';
      results.push(result('credentials', 'Client id and secret accepted', 'skip', skipped));
      results.push(result('redirect-uri', 'Redirect URI registered', 'skip', skipped));
    }
  }
  results.push(
    await checkCallback(config, options.appUrl ?? config.publicOrigin, {
      ...io,
      timeoutMs: Math.min(io.timeoutMs, 2_000),
    }),
  );
  results.push(await checkSessionSecrets(config));
  results.push(await checkSessionStore(config, io.timeoutMs));
  return {
    results,
    ok: results.every((r) => r.status !== 'fail'),
    ...(serverUrl === undefined ? {} : { serverUrl }),
  };
}

const MARKS = { ok: '✓', fail: '✗', warn: '!', skip: '–' } as const;

/** The report as the CLI prints it: a heading, one line per check, an indented fix under each problem. */
export function formatDoctorReport(report: DoctorReport, heading = 'rc-authflow doctor'): string {
  const lines = [`${heading}${report.serverUrl === undefined ? '' : ` (RingCentral at ${report.serverUrl})`}`, ''];
  for (const r of report.results) {
    lines.push(`${MARKS[r.status]} ${r.title}: ${r.detail}`);
    if (r.fix !== undefined && r.status !== 'ok') lines.push(`    fix: ${r.fix}`);
  }
  const failed = report.results.filter((r) => r.status === 'fail').length;
  lines.push('', failed === 0 ? 'No problem found.' : `${failed} problem${failed === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}
