/**
 * @module test/integration/bff/support
 * The stack of the `/api/rc` tests that look at what RingCentral received: the emulator (limits raised), a
 * recording proxy in front of it, the app pointed at the proxy, and user1 logged in.
 */
import type { TestContext } from 'node:test';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { HttpClient } from '../../helpers/http-client.js';
import { raiseLimits, startTestEmulatorFor, USER1 } from '../support/fixtures.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';

export interface ProxiedStack {
  readonly app: TestApp;
  readonly browser: HttpClient;
  readonly proxy: RecordingProxy;
  readonly emulatorUrl: string;
}

/** Starts the stack (closed after the test) with user1 logged in. */
export async function startProxiedStack(t: TestContext): Promise<ProxiedStack> {
  const emulator = await startTestEmulatorFor(t);
  await raiseLimits(emulator.url);
  const proxy = await startRecordingProxy(t, emulator);
  const app = await startTestApp(t, { emulator: proxy.emulatorLike, env: { ALLOW_INSECURE_HTTP: 'true' } });
  const browser = new HttpClient(app.url);
  await browser.loginAs(USER1.username, USER1.password);
  return { app, browser, proxy, emulatorUrl: emulator.url };
}
