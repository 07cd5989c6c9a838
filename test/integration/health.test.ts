/**
 * `/readyz` under a flood: the session store is asked on every probe, RingCentral at most once per
 * `UPSTREAM_CHECK_TTL_MS` (one probe at a time, the others share its answer), so probes cannot turn the app's
 * address into a source of calls to RingCentral. `/healthz` never calls anything.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startEmulator } from '../../emulator/index.js';
import { UPSTREAM_CHECK_TTL_MS } from '../../src/web/routes/health.js';
import { startTestApp } from '../helpers/app.js';

const PROBES = 200;

void it('a flood of /readyz reaches RingCentral once per check interval', async (t) => {
  let pings = 0;
  const emulator = await startEmulator({
    port: 0,
    onResponse: (record) => {
      if (record.path === '/restapi/v1.0') pings++;
    },
  });
  t.after(() => emulator.close());
  let now = Date.now();
  const app = await startTestApp(t, { emulator, now: () => now });

  const together = await Promise.all(Array.from({ length: PROBES }, () => fetch(`${app.url}/readyz`)));
  assert.ok(together.every((response) => response.status === 200));
  for (let i = 0; i < PROBES; i++) assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
  assert.equal(pings, 1, `${PROBES * 2} probes, one look at RingCentral`);

  now += UPSTREAM_CHECK_TTL_MS;
  const later = await fetch(`${app.url}/readyz`);
  assert.deepEqual(await later.json(), { status: 'ready', checks: { sessionStore: 'ok', ringCentral: 'ok' } });
  assert.equal(pings, 2, 'checked again once the last answer is out of date');
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  assert.equal(pings, 2);
});
