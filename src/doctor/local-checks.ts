/**
 * @module doctor/local-checks
 * The doctor's checks of this machine's side: the running app's callback is the one RC_REDIRECT_URL names, the
 * session secret is strong, and the session store can be reached. Each is bounded in time and changes nothing
 * except what the app itself would create at its first start (the embedded store's directory).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { result, type CheckResult } from './check.js';
import { assessSecret, GENERATE_SECRET_COMMAND } from './secret-strength.js';

const SECRET_FILE = 'session-secret';

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The callback: RC_REDIRECT_URL must reach the app (on this machine, the port it listens on), and the app running
 * there must serve the callback at its path (`GET <path>` without a code answers `RCAPP_NO_AUTH_CODE`).
 */
export async function checkCallback(
  config: Readonly<Config>,
  appUrl: string,
  io: { fetch: typeof fetch; timeoutMs: number },
): Promise<CheckResult> {
  const title = 'Callback is RC_REDIRECT_URL';
  const redirect = new URL(config.ringCentral.redirectUrl);
  const redirectPort = Number(redirect.port || (redirect.protocol === 'https:' ? 443 : 80));
  if (isLoopback(redirect.hostname) && config.port !== 0 && redirectPort !== config.port) {
    return result(
      'callback',
      title,
      'fail',
      `RC_REDIRECT_URL sends the browser to port ${redirectPort}, but the app listens on PORT ${config.port}`,
      `use the same port in both: RC_REDIRECT_URL=http://${redirect.host.replace(/:\d+$/, '')}:${config.port}${redirect.pathname} (and register that URI with RingCentral), or PORT=${redirectPort}`,
    );
  }
  const base = new URL(appUrl).origin;
  let health: Response;
  try {
    health = await io.fetch(`${base}/healthz`, { signal: AbortSignal.timeout(io.timeoutMs) });
    await health.body?.cancel().catch(() => undefined);
  } catch {
    return result(
      'callback',
      title,
      'skip',
      `no app answers at ${base}; the callback path is ${redirect.pathname} (start the app with npm start, then run the doctor again to check it)`,
    );
  }
  let callback: Response;
  let body = '';
  try {
    callback = await io.fetch(`${base}${redirect.pathname}`, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(io.timeoutMs),
    });
    body = await callback.text();
  } catch {
    return result('callback', title, 'fail', `the app at ${base} did not answer at ${redirect.pathname}`);
  }
  if (health.status === 200 && callback.status === 400 && body.includes('"RCAPP_NO_AUTH_CODE"')) {
    return result('callback', title, 'ok', `the app at ${base} serves the OAuth callback at ${redirect.pathname}`);
  }
  return result(
    'callback',
    title,
    'fail',
    `the app at ${base} does not serve the OAuth callback at ${redirect.pathname} (HTTP ${callback.status})`,
    'start the app with the same RC_REDIRECT_URL as this configuration (its path is where the callback listens), or pass the right --app-url',
  );
}

/** The session secrets: set and strong; or the generated one, fit for one instance only. */
export async function checkSessionSecrets(config: Readonly<Config>): Promise<CheckResult> {
  const title = 'Session secret strong';
  const fix = `set SESSION_SECRETS to a random value of 32+ characters, e.g. from: ${GENERATE_SECRET_COMMAND}`;
  const secrets = config.session.secrets;
  if (secrets !== undefined) {
    for (const [i, secret] of secrets.entries()) {
      const verdict = assessSecret(secret);
      if (!verdict.strong) {
        const which = secrets.length === 1 ? 'SESSION_SECRETS' : `secret ${i + 1} of SESSION_SECRETS`;
        return result('session-secret', title, 'fail', `${which} is weak: ${verdict.problem ?? ''}`, fix);
      }
    }
    const bits = Math.min(...secrets.map((s) => assessSecret(s).bits));
    return result(
      'session-secret',
      title,
      'ok',
      `${secrets.length === 1 ? 'SESSION_SECRETS is' : `all ${secrets.length} SESSION_SECRETS are`} strong (about ${bits} bits)`,
    );
  }
  if (config.session.store === 'redis') {
    return result(
      'session-secret',
      title,
      'fail',
      'SESSION_SECRETS is not set, so each instance would generate its own secret and not read the sessions of the others',
      fix,
    );
  }
  const file = join(config.session.dataDir, SECRET_FILE);
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch {
    return result(
      'session-secret',
      title,
      'warn',
      `SESSION_SECRETS is not set: the app generates one at its first start and keeps it in ${file} (fine for one instance)`,
      fix,
    );
  }
  const verdict = assessSecret(text);
  if (!verdict.strong) {
    return result('session-secret', title, 'fail', `the secret in ${file} is weak: ${verdict.problem ?? ''}`, fix);
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return result(
      'session-secret',
      title,
      'fail',
      `${file} can be read by other users (mode ${mode.toString(8)})`,
      `chmod 600 ${file}`,
    );
  }
  return result(
    'session-secret',
    title,
    'warn',
    `SESSION_SECRETS is not set: the app uses the generated secret in ${file} (strong; fine for one instance)`,
    fix,
  );
}

/** The session store: the embedded one opens (or is in use by a running app), Redis answers PING. */
export async function checkSessionStore(config: Readonly<Config>, timeoutMs: number): Promise<CheckResult> {
  const title = 'Session store reachable';
  switch (config.session.store) {
    case 'memory':
      return result(
        'session-store',
        title,
        'warn',
        'SESSION_STORE=memory keeps sessions in the process only: every restart logs everyone out (dev/test only)',
        'use SESSION_STORE=embedded (one instance) or SESSION_STORE=redis (several)',
      );
    case 'embedded': {
      const dir = join(config.session.dataDir, 'sessions');
      const { openEmbeddedStore, StoreLockedError } = await import('../session/embedded-store.js');
      try {
        const store = await openEmbeddedStore({ dir, now: Date.now, sweepIntervalMs: 0 });
        await store.close();
        return result('session-store', title, 'ok', `the embedded store in ${dir} opens`);
      } catch (err) {
        if (err instanceof StoreLockedError) {
          return result('session-store', title, 'ok', `the embedded store in ${dir} is in use by a running app`);
        }
        return result(
          'session-store',
          title,
          'fail',
          `the embedded store in ${dir} cannot be opened (${err instanceof Error ? err.message : 'unknown error'})`,
          'make DATA_DIR a directory this user can write, on a local disk',
        );
      }
    }
    case 'redis': {
      const { createRedisConnection, describeRedisTarget, waitUntilReady } = await import('../redis/client.js');
      const { serverSettings } = await import('../redis/redis-backend.js');
      const settings = config.session.redis ?? serverSettings(config.session.redisUrl ?? '');
      const shown = describeRedisTarget(settings);
      const client = createRedisConnection(settings, { connectTimeoutMs: timeoutMs, commandTimeoutMs: timeoutMs });
      try {
        await waitUntilReady(client, timeoutMs);
        await client.ping();
        return result('session-store', title, 'ok', `Redis at ${shown} answers`);
      } catch {
        return result(
          'session-store',
          title,
          'fail',
          `Redis at ${shown} does not answer within ${timeoutMs} ms`,
          settings.topology === 'server'
            ? 'start Redis or fix REDIS_URL (redis://[[user]:password@]host[:port][/db])'
            : settings.topology === 'sentinel'
              ? 'check REDIS_SENTINELS and REDIS_SENTINEL_NAME (the sentinels must know the primary by that name)'
              : 'check REDIS_CLUSTER_NODES (any reachable node of the cluster, host:port)',
        );
      } finally {
        client.disconnect();
      }
    }
  }
}
