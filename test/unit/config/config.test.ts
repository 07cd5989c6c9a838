import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allowsInsecureRequests, CONFIG_VARIABLES, loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';
import { builtInEmulatorWarnings, readEnvironment } from '../../../src/server.js';
import { docTableRows } from './doc-table.js';

const SECRET_A = 'a-session-secret-that-is-long-enough-0001';
const SECRET_B = 'b-session-secret-that-is-long-enough-0002';
const REAL = {
  RC_SERVER_URL: 'https://platform.ringcentral.com',
  RC_CLIENT_ID: 'real-client-id',
  RC_CLIENT_SECRET: 'real-client-secret',
};

function problemsOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig', () => {
  it('an empty environment means the built-in emulator with the demo app and safe defaults', () => {
    const config = loadConfig({});
    assert.equal(config.ringCentral.serverUrl, undefined);
    assert.equal(config.ringCentral.clientId, 'demo-client-id');
    assert.equal(config.ringCentral.clientSecret, 'demo-client-secret');
    assert.equal(config.ringCentral.redirectUrl, 'http://localhost:5000/oauth2callback');
    assert.equal(config.port, 5000);
    assert.equal(config.host, 'localhost');
    assert.equal(config.emulatorPort, 5001);
    assert.equal(config.emulatorHost, '127.0.0.1', 'the built-in emulator listens on loopback');
    assert.equal(config.publicOrigin, 'http://localhost:5000');
    assert.equal(config.callbackPath, '/oauth2callback');
    assert.deepEqual(config.session, {
      secrets: undefined,
      store: 'embedded',
      dataDir: '.data',
      redisUrl: undefined,
      redis: undefined,
      redisKeyPrefix: undefined,
      redisSessionCache: true,
      idleTimeoutSeconds: 28_800,
      absoluteTimeoutSeconds: 604_800,
    });
    assert.equal(config.upstreamTimeoutMs, 10_000);
    assert.equal(config.cookieSecure, false);
    assert.equal(config.trustProxy, false);
    assert.equal(config.logLevel, 'info');
  });

  it('every variable is read', () => {
    const config = loadConfig({
      ...REAL,
      RC_REDIRECT_URL: 'https://app.example.com/auth/callback',
      PORT: '8080',
      HOST: '0.0.0.0',
      EMULATOR_PORT: '9001',
      EMULATOR_HOST: '0.0.0.0',
      SESSION_SECRETS: `${SECRET_A}, ${SECRET_B}`,
      SESSION_STORE: 'memory',
      DATA_DIR: '/var/lib/rc',
      SESSION_IDLE_TIMEOUT: '600',
      SESSION_ABSOLUTE_TIMEOUT: '3600',
      UPSTREAM_TIMEOUT_MS: '2500',
      COOKIE_SECURE: 'auto',
      TRUST_PROXY: '10.0.0.0/8, loopback',
      LOG_LEVEL: 'debug',
    });
    assert.equal(config.ringCentral.serverUrl, 'https://platform.ringcentral.com');
    assert.equal(config.ringCentral.clientId, 'real-client-id');
    assert.equal(config.ringCentral.clientSecret, 'real-client-secret');
    assert.equal(config.ringCentral.redirectUrl, 'https://app.example.com/auth/callback');
    assert.equal(config.callbackPath, '/auth/callback');
    assert.equal(config.publicOrigin, 'https://app.example.com');
    assert.equal(config.cookieSecure, true, 'auto: Secure because the redirect URL is https');
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.emulatorPort, 9001);
    assert.equal(config.emulatorHost, '0.0.0.0');
    assert.deepEqual(config.session.secrets, [SECRET_A, SECRET_B]);
    assert.equal(config.session.store, 'memory');
    assert.equal(config.session.dataDir, '/var/lib/rc');
    assert.equal(config.session.idleTimeoutSeconds, 600);
    assert.equal(config.session.absoluteTimeoutSeconds, 3600);
    assert.equal(config.upstreamTimeoutMs, 2500);
    assert.equal(config.trustProxy, '10.0.0.0/8, loopback');
    assert.equal(config.logLevel, 'debug');
  });

  it('RC_APP_* aliases work; both set with different values is a problem', () => {
    const config = loadConfig({
      RC_SERVER_URL: REAL.RC_SERVER_URL,
      RC_APP_CLIENT_ID: 'alias-id',
      RC_APP_CLIENT_SECRET: 'alias-secret',
    });
    assert.equal(config.ringCentral.clientId, 'alias-id');
    assert.equal(config.ringCentral.clientSecret, 'alias-secret');
    const same = loadConfig({ ...REAL, RC_APP_CLIENT_ID: REAL.RC_CLIENT_ID });
    assert.equal(same.ringCentral.clientId, REAL.RC_CLIENT_ID);
    const error = problemsOf({ ...REAL, RC_APP_CLIENT_ID: 'other', RC_APP_CLIENT_SECRET: 'other-secret' });
    assert.deepEqual(
      error.problems.map((p) => p.variable),
      ['RC_CLIENT_ID', 'RC_CLIENT_SECRET'],
    );
    assert.doesNotMatch(error.message, /real-client-secret|other-secret/);
  });

  it('an empty client secret means a public client (PKCE only)', () => {
    assert.equal(loadConfig({ ...REAL, RC_CLIENT_SECRET: '' }).ringCentral.clientSecret, undefined);
    assert.equal(
      loadConfig({ RC_SERVER_URL: REAL.RC_SERVER_URL, RC_CLIENT_ID: 'x' }).ringCentral.clientSecret,
      undefined,
    );
    assert.equal(loadConfig({ RC_CLIENT_ID: 'demo-public-client-id' }).ringCentral.clientSecret, undefined);
    assert.equal(loadConfig({ RC_CLIENT_SECRET: '' }).ringCentral.clientSecret, undefined);
  });

  it('every problem is reported at once, by variable name, without any value', () => {
    const error = problemsOf({
      RC_SERVER_URL: 'ftp://ringcentral.example.com',
      RC_CLIENT_SECRET: 'super-secret-client-value',
      RC_REDIRECT_URL: 'not a url',
      PORT: '70000',
      EMULATOR_PORT: 'x',
      SESSION_SECRETS: 'short-secret-value,another-short-one',
      SESSION_STORE: 'postgres',
      SESSION_IDLE_TIMEOUT: '5',
      SESSION_ABSOLUTE_TIMEOUT: 'never',
      UPSTREAM_TIMEOUT_MS: '0',
      COOKIE_SECURE: 'maybe',
      TRUST_PROXY: 'everyone!',
      LOG_LEVEL: 'chatty',
      ALLOW_INSECURE_HTTP: 'sure',
      HOST: 'bad host/name',
      EMULATOR_HOST: 'http://0.0.0.0',
      REDIS_URL: 'http://redis',
    });
    assert.deepEqual(error.problems.map((p) => p.variable).sort(), [
      'ALLOW_INSECURE_HTTP',
      'COOKIE_SECURE',
      'EMULATOR_HOST',
      'EMULATOR_PORT',
      'HOST',
      'LOG_LEVEL',
      'PORT',
      'RC_REDIRECT_URL',
      'RC_SERVER_URL',
      'REDIS_URL',
      'SESSION_ABSOLUTE_TIMEOUT',
      'SESSION_IDLE_TIMEOUT',
      'SESSION_SECRETS',
      'SESSION_STORE',
      'TRUST_PROXY',
      'UPSTREAM_TIMEOUT_MS',
    ]);
    assert.equal(error.code, 'RCAPP_CONFIG_INVALID');
    assert.equal(error.name, 'ConfigError');
    for (const value of [
      'super-secret-client-value',
      'short-secret-value',
      'another-short-one',
      'http://redis',
      'chatty',
    ]) {
      assert.ok(!error.message.includes(value), `the message must not echo "${value}"`);
    }
    assert.match(error.message, /^invalid configuration:\n {2}- /);
  });

  it('a blank RC_SERVER_URL is an error naming it (only an unset one starts the built-in emulator)', () => {
    for (const blank of ['', '   ', '\t']) {
      const error = problemsOf({ RC_SERVER_URL: blank });
      assert.deepEqual(error.problems, [
        {
          variable: 'RC_SERVER_URL',
          problem: 'is set but empty; unset it to use the built-in emulator, or give a RingCentral origin',
        },
      ]);
      assert.match(error.message, /- RC_SERVER_URL: is set but empty/);
    }
    // Reported with every other problem at once.
    const both = problemsOf({ RC_SERVER_URL: '', PORT: 'eighty' });
    assert.deepEqual(both.problems.map((p) => p.variable).sort(), ['PORT', 'RC_SERVER_URL']);
    assert.equal(loadConfig({}).ringCentral.serverUrl, undefined, 'unset: the built-in emulator');
  });

  it('a blank RC_SERVER_URL= line in .env is the same error; a commented-out one means the emulator', (t) => {
    // Only meaningful when the test process itself leaves RC_SERVER_URL unset (the environment wins over .env).
    if (process.env.RC_SERVER_URL !== undefined) return t.skip('RC_SERVER_URL is set in this environment');
    const dir = mkdtempSync(join(tmpdir(), 'rc-authflow-dotenv-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, '.env'), 'RC_SERVER_URL=\nRC_CLIENT_ID=\n');
    const error = problemsOf(readEnvironment(dir));
    assert.deepEqual(
      error.problems.map((p) => p.variable),
      ['RC_SERVER_URL'],
    );
    writeFileSync(join(dir, '.env'), '# RC_SERVER_URL=https://platform.ringcentral.com\nRC_CLIENT_ID=\n');
    assert.equal(loadConfig(readEnvironment(dir)).ringCentral.serverUrl, undefined);
  });

  it('the built-in emulator warns when reachable from outside, or out of reach of the browsers', () => {
    assert.deepEqual(builtInEmulatorWarnings(loadConfig({})), []);
    assert.deepEqual(builtInEmulatorWarnings(loadConfig({ HOST: '0.0.0.0' })), [], 'HOST alone opens only the app');
    assert.deepEqual(builtInEmulatorWarnings(loadConfig({ EMULATOR_HOST: 'localhost' })), []);
    const exposed = builtInEmulatorWarnings(loadConfig({ HOST: '0.0.0.0', EMULATOR_HOST: '0.0.0.0' }));
    assert.equal(exposed.length, 1);
    assert.match(
      exposed[0]!,
      /^EMULATOR_HOST=0\.0\.0\.0: the built-in RingCentral emulator is reachable from other machines/,
    );
    const unreachable = builtInEmulatorWarnings(
      loadConfig({ HOST: '0.0.0.0', RC_REDIRECT_URL: 'http://app.internal.example:5000/oauth2callback' }),
    );
    assert.equal(unreachable.length, 1);
    assert.match(unreachable[0]!, /sends browsers to app\.internal\.example: they cannot reach its sign-in page/);
    assert.deepEqual(builtInEmulatorWarnings(loadConfig({ ...REAL, EMULATOR_HOST: '0.0.0.0' })), [], 'no emulator');
  });

  it('RC_CLIENT_ID is required with RC_SERVER_URL', () => {
    const error = problemsOf({ RC_SERVER_URL: REAL.RC_SERVER_URL });
    assert.deepEqual(error.problems, [
      { variable: 'RC_CLIENT_ID', problem: 'is required when RC_SERVER_URL is set (alias RC_APP_CLIENT_ID)' },
    ]);
  });

  it('plain http to a non-loopback RingCentral is refused unless ALLOW_INSECURE_HTTP', () => {
    const error = problemsOf({ ...REAL, RC_SERVER_URL: 'http://rc.example.com' });
    assert.equal(error.problems[0]?.variable, 'RC_SERVER_URL');
    assert.match(error.problems[0]?.problem ?? '', /ALLOW_INSECURE_HTTP/);
    assert.equal(
      loadConfig({ ...REAL, RC_SERVER_URL: 'http://rc.example.com', ALLOW_INSECURE_HTTP: 'true' }).ringCentral
        .allowInsecureHttp,
      true,
    );
    assert.equal(
      loadConfig({ ...REAL, RC_SERVER_URL: 'http://127.0.0.1:5001' }).ringCentral.serverUrl,
      'http://127.0.0.1:5001',
    );
    assert.equal(
      loadConfig({ ...REAL, RC_SERVER_URL: 'http://localhost:5001/' }).ringCentral.serverUrl,
      'http://localhost:5001',
    );
    assert.equal(allowsInsecureRequests('http://127.0.0.1:5001', false), true);
    assert.equal(allowsInsecureRequests('http://rc.example.com', false), false);
    assert.equal(allowsInsecureRequests('http://rc.example.com', true), true);
    assert.equal(allowsInsecureRequests('https://rc.example.com', false), false);
  });

  it('cross-variable rules: idle ≤ absolute, distinct ports, redis needs REDIS_URL', () => {
    assert.deepEqual(
      problemsOf({ SESSION_IDLE_TIMEOUT: '7200', SESSION_ABSOLUTE_TIMEOUT: '3600' }).problems.map((p) => p.variable),
      ['SESSION_IDLE_TIMEOUT'],
    );
    assert.deepEqual(
      problemsOf({ PORT: '5001' }).problems.map((p) => p.variable),
      ['EMULATOR_PORT'],
    );
    assert.equal(loadConfig({ ...REAL, PORT: '5001' }).port, 5001, 'no emulator, no clash');
    assert.deepEqual(
      problemsOf({ SESSION_STORE: 'redis' }).problems.map((p) => p.variable),
      ['REDIS_URL'],
    );
    const redis = loadConfig({
      SESSION_STORE: 'redis',
      REDIS_URL: 'redis://:password@localhost:6379/2',
      REDIS_KEY_PREFIX: 'app1:',
    });
    assert.equal(redis.session.store, 'redis');
    assert.equal(redis.session.redisUrl, 'redis://:password@localhost:6379/2');
    assert.equal(redis.session.redisKeyPrefix, 'app1:');
    assert.equal(redis.session.redisSessionCache, true, 'sessions cached by default');
    assert.equal(
      loadConfig({ SESSION_STORE: 'redis', REDIS_URL: 'redis://localhost:6379', REDIS_SESSION_CACHE: 'off' }).session
        .redisSessionCache,
      false,
    );
    const bad = problemsOf({
      SESSION_STORE: 'redis',
      REDIS_URL: 'http://:password@localhost',
      REDIS_KEY_PREFIX: 'has space',
      REDIS_SESSION_CACHE: 'yes',
    });
    assert.deepEqual(
      bad.problems.map((p) => p.variable),
      ['REDIS_URL', 'REDIS_KEY_PREFIX', 'REDIS_SESSION_CACHE'],
    );
    assert.doesNotMatch(bad.message, /password/);
  });

  it('Redis topologies: one server, Sentinel or Cluster, with credentials, TLS and the WAIT rule', () => {
    const server = loadConfig({ SESSION_STORE: 'redis', REDIS_URL: 'rediss://app:p%40ss@cache.example.com:6380/1' });
    assert.deepEqual(server.session.redis, {
      topology: 'server',
      url: 'rediss://app:p%40ss@cache.example.com:6380/1',
      username: 'app',
      password: 'p@ss',
      tls: true,
      waitReplicas: 0,
      waitTimeoutMs: 250,
    });
    const withPassword = loadConfig({
      SESSION_STORE: 'redis',
      REDIS_URL: 'redis://cache.example.com',
      REDIS_PASSWORD: 'from-the-variable',
      REDIS_USERNAME: 'svc',
      REDIS_TLS: 'true',
      REDIS_WAIT_REPLICAS: '1',
      REDIS_WAIT_TIMEOUT_MS: '100',
    });
    assert.deepEqual(
      { ...withPassword.session.redis, url: undefined },
      {
        topology: 'server',
        url: undefined,
        username: 'svc',
        password: 'from-the-variable',
        tls: true,
        waitReplicas: 1,
        waitTimeoutMs: 100,
      },
    );

    const sentinel = loadConfig({
      SESSION_STORE: 'redis',
      REDIS_SENTINELS: '10.0.0.1:26379, sentinel-2.example.com:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'data-secret',
    });
    assert.deepEqual(sentinel.session.redis, {
      topology: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-2.example.com', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      sentinelPassword: 'sentinel-secret',
      username: undefined,
      password: 'data-secret',
      tls: false,
      waitReplicas: 1,
      waitTimeoutMs: 250,
    });
    assert.equal(sentinel.session.redisUrl, undefined);

    const cluster = loadConfig({
      SESSION_STORE: 'redis',
      REDIS_CLUSTER_NODES: 'node-1.example.com:6379,node-2.example.com:6379',
      REDIS_TLS: 'yes',
      REDIS_WAIT_REPLICAS: '0',
    });
    assert.deepEqual(cluster.session.redis, {
      topology: 'cluster',
      nodes: [
        { host: 'node-1.example.com', port: 6379 },
        { host: 'node-2.example.com', port: 6379 },
      ],
      username: undefined,
      password: undefined,
      tls: true,
      waitReplicas: 0,
      waitTimeoutMs: 250,
    });
    assert.equal(loadConfig({ SESSION_STORE: 'redis', REDIS_CLUSTER_NODES: 'h:1' }).session.redis?.waitReplicas, 1);
    assert.ok(Object.isFrozen(cluster.session.redis));
    assert.equal(loadConfig({ REDIS_CLUSTER_NODES: 'h:1' }).session.redis, undefined, 'only with SESSION_STORE=redis');
  });

  it('Redis topologies: exactly one, every problem at once, no value echoed', () => {
    const none = problemsOf({ SESSION_STORE: 'redis' });
    assert.deepEqual(
      none.problems.map((p) => p.variable),
      ['REDIS_URL'],
    );
    assert.match(none.problems[0]!.problem, /REDIS_SENTINELS.*REDIS_CLUSTER_NODES/);

    const two = problemsOf({
      SESSION_STORE: 'redis',
      REDIS_URL: 'redis://:url-secret@h:6379',
      REDIS_SENTINELS: 'h:26379',
      REDIS_SENTINEL_NAME: 'm',
      REDIS_CLUSTER_NODES: 'h:7000',
    });
    assert.deepEqual(
      two.problems.map((p) => p.variable),
      ['REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'],
    );
    assert.match(two.problems[0]!.problem, /exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES/);

    const bad = problemsOf({
      SESSION_STORE: 'redis',
      REDIS_SENTINELS: 'h:26379,h:26379,no-port,bad host:1',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret-value',
      REDIS_TLS: 'maybe',
      REDIS_WAIT_REPLICAS: 'all',
      REDIS_WAIT_TIMEOUT_MS: '5000',
      REDIS_USERNAME: 'has space',
    });
    assert.deepEqual(bad.problems.map((p) => p.variable).sort(), [
      'REDIS_SENTINELS',
      'REDIS_TLS',
      'REDIS_USERNAME',
      'REDIS_WAIT_REPLICAS',
      'REDIS_WAIT_TIMEOUT_MS',
    ]);
    for (const value of ['sentinel-secret-value', 'no-port', 'bad host', 'maybe', 'has space']) {
      assert.ok(!bad.message.includes(value), `the message must not echo "${value}"`);
    }

    for (const [list, ok] of [
      ['10.0.0.1:26379', true],
      ['[2001:db8::1]:26379,host.example:1', true],
      ['host:0', false],
      ['host:65536', false],
      ['host', false],
      ['2001:db8::1:26379', false],
      ['host:1,', false],
      ['-host:1', false],
      [Array.from({ length: 33 }, (_, i) => `h${i}:1`).join(','), false],
    ] as const) {
      const result = (() => {
        try {
          loadConfig({ SESSION_STORE: 'redis', REDIS_CLUSTER_NODES: list });
          return true;
        } catch {
          return false;
        }
      })();
      assert.equal(result, ok, list);
    }

    assert.deepEqual(
      problemsOf({ SESSION_STORE: 'redis', REDIS_SENTINELS: 'h:26379' }).problems.map((p) => p.variable),
      ['REDIS_SENTINEL_NAME'],
    );
    assert.deepEqual(
      problemsOf({
        SESSION_STORE: 'redis',
        REDIS_URL: 'redis://h',
        REDIS_SENTINEL_NAME: 'm',
        REDIS_SENTINEL_PASSWORD: 'x-secret-value',
      }).problems.map((p) => [p.variable, p.problem]),
      [
        ['REDIS_SENTINEL_NAME', 'only applies with REDIS_SENTINELS'],
        ['REDIS_SENTINEL_PASSWORD', 'only applies with REDIS_SENTINELS'],
      ],
    );
    const contradictions = problemsOf({
      SESSION_STORE: 'redis',
      REDIS_URL: 'rediss://user-a:url-password@h',
      REDIS_TLS: 'false',
      REDIS_PASSWORD: 'other-password',
      REDIS_USERNAME: 'user-b',
    });
    assert.deepEqual(
      contradictions.problems.map((p) => p.variable),
      ['REDIS_TLS', 'REDIS_PASSWORD', 'REDIS_USERNAME'],
    );
    assert.doesNotMatch(contradictions.message, /url-password|other-password/);
  });

  it('COOKIE_SECURE and TRUST_PROXY forms', () => {
    assert.equal(loadConfig({ COOKIE_SECURE: 'true' }).cookieSecure, true);
    assert.equal(loadConfig({ COOKIE_SECURE: 'false', RC_REDIRECT_URL: 'https://a.example/cb' }).cookieSecure, false);
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ TRUST_PROXY: '127.0.0.1,::1' }).trustProxy, '127.0.0.1,::1');
  });

  it('the result is deep-frozen and empty strings count as unset', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: '  ', EMULATOR_HOST: '' });
    assert.equal(config.port, 5000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.emulatorHost, '127.0.0.1');
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.ringCentral));
    assert.ok(Object.isFrozen(config.session));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('unknown RC_* variables are ignored', () => {
    assert.equal(loadConfig({ RC_USER_JWT: 'x', RC_SOMETHING: 'y' }).ringCentral.clientId, 'demo-client-id');
  });

  it('the docs/configuration.md table lists exactly the variables loadConfig knows', () => {
    const names = docTableRows('docs/configuration.md', 'configuration').map((row) => row[0]?.replace(/`/g, ''));
    assert.deepEqual(
      names,
      CONFIG_VARIABLES.map((v) => v.name),
    );
  });
});
