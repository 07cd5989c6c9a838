/**
 * @module test/unit/redis/tls.test
 * TLS and passwords in every topology: each runs on TLS-only ports (replication and the cluster bus too) with
 * `requirepass`, and the app's connection comes from the variables an operator sets (`REDIS_URL=rediss://…` or
 * `REDIS_TLS=true`, `REDIS_PASSWORD`), trusting the test CA. Sessions, the refresh lock and `ping` work; the same
 * settings without the CA are refused (the certificate is checked), with nothing about the password logged. And an
 * app process on the TLS cluster, its CA given the production way (`NODE_EXTRA_CA_CERTS`), logs a user in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRedisBackend } from '../../../src/redis/redis-backend.js';
import { StoreUnavailableError } from '../../../src/session/stored-session.js';
import { HttpClient } from '../../helpers/http-client.js';
import { fileCleanup } from '../../helpers/redis.js';
import { settingsFromEnv, startTestTopology, topologySkip } from '../../helpers/redis-topology.js';
import { toolOrSkip } from '../../helpers/require-tool.js';
import { makeTestCertificates, type TestCertificates } from '../../helpers/tls-certificates.js';
import { startAppProcess } from '../../integration/scale-out/support/instances.js';
import { startTestEmulatorFor, USER1 } from '../../integration/support/fixtures.js';

const T0 = 1_700_000_000_000;
const RECORD = { createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 60_000, version: 1, payload: 'sealed' };
const PASSWORD = 'tls-test-password-Qm4sX8vR2';
const cleanup = fileCleanup();
const openssl = toolOrSkip('openssl');

let certificates: Promise<TestCertificates> | undefined;
function certs(): Promise<TestCertificates> {
  certificates ??= makeTestCertificates(cleanup, openssl.path ?? 'openssl');
  return certificates;
}

for (const kind of ['server', 'sentinel', 'cluster'] as const) {
  const skip = openssl.skip || topologySkip(kind);
  void describe(`Redis over TLS with a password: ${kind}`, { skip }, () => {
    void it('serves sessions and the refresh lock from REDIS_TLS/rediss:// and REDIS_PASSWORD, checks the certificate', async (t) => {
      const tls = await certs();
      const redis = await startTestTopology(t, {
        kind,
        password: PASSWORD,
        tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
      });
      // The operator's variables: rediss:// for one server, REDIS_TLS=true for the others.
      assert.equal(redis.settings.tls, true);
      if (kind === 'server') assert.match(redis.env.REDIS_URL ?? '', /^rediss:\/\//);
      else assert.equal(redis.env.REDIS_TLS, 'true');
      assert.equal(settingsFromEnv(redis.env).password, PASSWORD);

      const backend = await openRedisBackend({
        redis: redis.settings,
        keyPrefix: 'tls:',
        now: () => T0,
        readyTimeoutMs: 10_000,
        tlsOptions: { ca: tls.ca },
      });
      t.after(() => backend.store.close());
      assert.equal(backend.connected, true);
      await backend.store.set('id', RECORD);
      assert.deepEqual(await backend.store.get('id'), RECORD);
      await backend.store.ping();
      assert.equal(await backend.coordinator.run('id', (lease) => Promise.resolve(lease.locked)), true);

      // Without the CA the server's certificate is not trusted: nothing connects, and the password stays unsaid.
      const lines: string[] = [];
      const spy = (obj: unknown, msg?: string): void => void lines.push(`${JSON.stringify(obj)} ${msg}`);
      const untrusting = await openRedisBackend({
        redis: redis.settings,
        keyPrefix: 'tls:',
        now: () => T0,
        readyTimeoutMs: 500,
        logger: { info: spy, warn: spy, debug: spy },
      });
      t.after(() => untrusting.store.close());
      assert.equal(untrusting.connected, false);
      await assert.rejects(untrusting.store.get('id'), StoreUnavailableError);
      // ioredis reports a sentinel's failed handshake only as "all sentinels are unreachable".
      assert.match(lines.join('\n'), kind === 'sentinel' ? /sentinels are unreachable/ : /certificate/);
      assert.ok(!lines.join('\n').includes(PASSWORD), lines.join('\n'));
    });

    if (kind === 'cluster') {
      void it('an app process on the TLS cluster (CA from NODE_EXTRA_CA_CERTS) logs a user in', async (t) => {
        const tls = await certs();
        const redis = await startTestTopology(t, {
          kind,
          password: PASSWORD,
          tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
        });
        const emulator = await startTestEmulatorFor(t);
        const app = await startAppProcess(t, {
          emulator,
          redis,
          keyPrefix: 'tls-app:',
          env: { NODE_EXTRA_CA_CERTS: tls.caFile },
        });
        const browser = new HttpClient(app.url);
        await browser.loginAs(USER1.username, USER1.password);
        const response = await browser.get('/test?api=extension', { accept: 'application/json' });
        assert.equal(response.status, 200, response.text.slice(0, 200));
        assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
        assert.ok(!app.output().includes(PASSWORD));
      });
    }
  });
}
