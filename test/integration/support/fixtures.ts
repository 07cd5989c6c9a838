/**
 * @module test/integration/support/fixtures
 * Shared pieces of the integration suites: an emulator per test (closed in `t.after`), its control API over
 * HTTP, the demo users, and reading a browser's session back out of the app's store (decrypted with the test
 * secrets) to get at the real token values a test must compare or must not find in logs.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startEmulator, type RunningEmulator } from '../../../emulator/index.js';
import { createSessionCipher } from '../../../src/session/cipher.js';
import { SessionManager, type Session } from '../../../src/session/session-manager.js';
import type { TestApp } from '../../helpers/app.js';
import type { HttpClient } from '../../helpers/http-client.js';

export const ADMIN = { username: 'admin@example.com', password: 'Passw0rd!admin', extensionNumber: '101' };
export const USERS = Array.from({ length: 9 }, (_, i) => ({
  username: `user${i + 1}@example.com`,
  password: 'Passw0rd!user',
  extensionNumber: String(102 + i),
}));
export const USER1 = USERS[0]!;

/** An emulator on 127.0.0.1:0, closed after the test. */
export async function startTestEmulatorFor(t: TestContext): Promise<RunningEmulator> {
  const emulator = await startEmulator({ port: 0 });
  t.after(() => emulator.close());
  return emulator;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `control call ${new URL(url).pathname} failed: ${response.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** The emulator's control API (`/__emulator/*`). */
export function control(emulatorUrl: string) {
  const base = `${emulatorUrl}/__emulator`;
  return {
    async stats(): Promise<Record<string, number>> {
      const response = await fetch(`${base}/stats`);
      return (await response.json()) as Record<string, number>;
    },
    advanceClock: (seconds: number) => post(`${base}/clock`, { advanceSeconds: seconds }),
    fault: (rule: {
      route: 'token' | 'revoke' | 'rest' | 'authorize';
      status?: number;
      delayMs?: number;
      count: number;
    }) => post(`${base}/faults`, rule),
    limits: (rule: {
      group: 'Light' | 'Medium' | 'Heavy' | 'Auth';
      limit?: number;
      windowSeconds?: number;
      penaltySeconds?: number;
    }) => post(`${base}/limits`, rule),
    reset: () => post(`${base}/reset`, {}),
  };
}

/** Raises every REST rate limit far above what a test sends. */
export async function raiseLimits(emulatorUrl: string): Promise<void> {
  const api = control(emulatorUrl);
  for (const group of ['Light', 'Medium', 'Heavy', 'Auth'] as const) await api.limits({ group, limit: 1_000_000 });
}

/** The session id in a client's cookie (the part before the signature). */
export function sessionIdOf(testApp: TestApp, client: HttpClient): string | undefined {
  const raw = client.jar.get('rcsid') ?? client.jar.get('__Host-rcsid');
  if (raw === undefined) return undefined;
  const signed = decodeURIComponent(raw);
  return signed.slice(0, signed.lastIndexOf('.'));
}

/** The browser's session as the app stores it, decrypted with the app's secrets (read-only). */
export async function sessionOf(testApp: TestApp, client: HttpClient): Promise<Session | undefined> {
  const id = sessionIdOf(testApp, client);
  if (id === undefined) return undefined;
  const manager = new SessionManager({
    store: testApp.store,
    cipher: createSessionCipher(testApp.sessionSecrets),
    idleTimeoutMs: testApp.config.session.idleTimeoutSeconds * 1000,
    absoluteTimeoutMs: testApp.config.session.absoluteTimeoutSeconds * 1000,
  });
  return manager.load(id);
}

/** Tokens of a logged-in browser. */
export async function tokensOf(testApp: TestApp, client: HttpClient) {
  const session = await sessionOf(testApp, client);
  assert.ok(session?.data.tokens, 'the browser has a logged-in session');
  return session.data.tokens;
}
