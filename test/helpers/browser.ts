/**
 * @module test/helpers/browser
 * Drives the system Chromium through `playwright-core` for the browser suites (`npx playwright install` cannot
 * download browsers here, and CI installs the Debian `chromium` package). Also collects console errors, uncaught
 * page errors and Content-Security-Policy violations so every test can assert a clean run, and writes screenshots
 * to `docs/screenshots/` when `RC_SCREENSHOTS=1`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { toolOrSkip } from './require-tool.js';

/** Where Debian puts Chromium; also looked up on `PATH`. */
export const CHROMIUM_CANDIDATES: readonly string[] = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Flags for a quiet, sandbox-less headless Chromium that makes no network calls of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Desktop and phone viewports used by the tests and the screenshots. */
export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const satisfies Record<string, BrowserContextOptions>;

/** Where screenshots go (committed; see docs/screenshots). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** `{ skip }` for `describe(..., { skip })`: a reason when Chromium is missing (a failure under RC_TEST_REQUIRE=all). */
export function chromiumOrSkip(): { path?: string; skip: string | false } {
  return toolOrSkip('chromium', CHROMIUM_CANDIDATES);
}

/** Launches headless Chromium at `executablePath`. The caller closes it (`after(() => browser.close())`). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 });
}

/** What went wrong in the pages of one browser context. */
export interface PageProblems {
  /** Console errors, uncaught exceptions and CSP violations, with the page URL. */
  readonly problems: string[];
  /** Fails the test when anything was recorded, except lines matching one of `allow` (expected, e.g. a 400 page). */
  assertClean(label?: string, allow?: readonly RegExp[]): void;
}

/**
 * Records console errors, uncaught page errors and CSP violations of every page (popups included) in `context`.
 * CSP violations are also turned into console errors by an init script (`securitypolicyviolation`), so a violation
 * is caught even if Chromium stops logging it.
 */
export async function watchContext(context: BrowserContext): Promise<PageProblems> {
  const problems: string[] = [];
  // A string, not a function: test code is type-checked without DOM types.
  await context.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => " +
      "console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));",
  });
  const watch = (page: Page): void => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught error on ${page.url()}: ${error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    problems,
    assertClean(label = 'pages', allow = []) {
      const unexpected = problems.filter((problem) => !allow.some((pattern) => pattern.test(problem)));
      if (unexpected.length > 0) {
        throw new Error(`${label} had ${unexpected.length} problem(s):\n${unexpected.join('\n')}`);
      }
    },
  };
}

/** A new context with a problem watcher; closed by the caller. */
export async function openContext(
  browser: Browser,
  options: BrowserContextOptions = VIEWPORTS.desktop,
): Promise<{ context: BrowserContext; page: Page; watcher: PageProblems }> {
  const context = await browser.newContext({ ...options, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(15_000);
  const watcher = await watchContext(context);
  const page = await context.newPage();
  return { context, page, watcher };
}

/**
 * Fills and submits the RingCentral (emulator) login form on `page`: the one `<form method="post">` with `username`
 * and `password` fields. Resolves once the browser has left the login page, or once `page` closed (a login popup
 * closes itself when done).
 */
export async function submitRingCentralLogin(
  page: Page,
  credentials: { readonly username: string; readonly password: string },
): Promise<void> {
  const form = page.locator('form[method="post" i]').filter({ has: page.locator('input[name="password"]') });
  await form.locator('input[name="username"]').fill(credentials.username);
  await form.locator('input[name="password"]').fill(credentials.password);
  const loginUrl = page.url();
  const left = page
    .waitForURL((url) => url.toString() !== loginUrl, { waitUntil: 'load' })
    .catch((error: unknown) => {
      if (!page.isClosed()) throw error;
    });
  await form.locator('button[type="submit"], input[type="submit"]').first().click();
  await left;
}

/** The `name` attribute of every element `locator` matches, in order (`null` where it is absent). */
export async function attributeValues(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

/** True when screenshots should be written (`RC_SCREENSHOTS=1`). */
export function screenshotsEnabled(): boolean {
  return process.env.RC_SCREENSHOTS === '1';
}

/** Writes a full-page screenshot `docs/screenshots/<name>.png` when enabled; returns the path or undefined. */
export async function saveScreenshot(page: Page, name: string): Promise<string | undefined> {
  if (!screenshotsEnabled()) return undefined;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name "${name}" must be kebab-case`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // Caret and focus rings differ run to run; hide the caret so screenshots only change when the design does.
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}
