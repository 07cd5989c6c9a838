/**
 * @module test/helpers/browser
 * Drives the system Chromium through `playwright-core` for the browser suites (`npx playwright install` cannot
 * download browsers here, and CI installs the Debian `chromium` package). Also collects console errors, uncaught
 * page errors and Content-Security-Policy violations so every test can assert a clean run, checks pages with axe-core
 * ({@link assertAccessible}), and writes screenshots to `docs/screenshots/` when `RC_SCREENSHOTS=1`.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before } from 'node:test';
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

/**
 * One Chromium for the tests of the enclosing `describe`: launched before them, closed after them. Returns the
 * browser (call it inside a test).
 */
export function sharedChromium(executablePath: string): () => Browser {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launchChromium(executablePath);
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('Chromium is not launched: call the getter inside a test');
    return browser;
  };
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

/** The axe-core rule sets every page must pass: WCAG 2.0 and 2.1, levels A and AA, and axe's best practices. */
export const AXE_TAGS: readonly string[] = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** One axe-core violation, as the assertion prints it. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** CSS selectors of the failing elements (axe's `target`, frames joined by ` >>> `). */
  readonly targets: readonly string[];
}

let axeSource: string | undefined;

/** The axe-core script, read once from `node_modules`. */
function axeScript(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * Runs axe-core ({@link AXE_TAGS}) on the page as it is now and returns the violations.
 *
 * axe is put into the page with `page.evaluate(source)`: that runs through the DevTools protocol, which the page's
 * CSP (`script-src 'self'`) does not govern, so the pages are checked under their real CSP. `addScriptTag` would add
 * an inline `<script>` that the CSP blocks (and the watcher would report), and `bypassCSP` would check a page the
 * users never get.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(axeScript());
  const options = { runOnly: { type: 'tag', values: AXE_TAGS }, resultTypes: ['violations'] };
  // A string, not a function: test code is type-checked without DOM types.
  return page.evaluate(
    `axe.run(document, ${JSON.stringify(options)}).then((results) => results.violations.map((v) => ({
      id: v.id,
      impact: v.impact || 'unknown',
      help: v.help,
      targets: v.nodes.map((node) => node.target.map(String).join(' >>> ')),
    })))`,
  );
}

/**
 * Waits (at most 2 s) until the page's CSS transitions and animations have finished: the stylesheet fades colours
 * in 0.15 s, and axe must measure the contrast of the colours the page ends with, not of a frame in between.
 * `getAnimations()` recomputes styles first, so a transition that a media change just started is included.
 */
async function settleAnimations(page: Page): Promise<void> {
  await page.evaluate(
    'Promise.race([' +
      'Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))),' +
      'new Promise((resolve) => setTimeout(resolve, 2000)),' +
      '])',
  );
}

/** The colour schemes {@link assertAccessible} checks; the app's stylesheet has a `prefers-color-scheme: dark` part. */
export const COLOR_SCHEMES = ['light', 'dark'] as const;

/**
 * Fails when axe-core finds any violation on `page`, in the light and in the dark colour scheme (emulated with
 * `page.emulateMedia`; the scheme the page had is restored after). The message names the page, the scheme and the
 * viewport width, and each violation's rule id, impact, help text and the failing elements' selectors.
 */
export async function assertAccessible(
  page: Page,
  name: string,
  schemes: readonly (typeof COLOR_SCHEMES)[number][] = COLOR_SCHEMES,
): Promise<void> {
  const failures: string[] = [];
  const width = page.viewportSize()?.width;
  const wasDark = (await page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")) === true;
  try {
    for (const scheme of schemes) {
      await page.emulateMedia({ colorScheme: scheme });
      await settleAnimations(page);
      for (const v of await axeViolations(page)) {
        failures.push(
          `[${scheme}${width === undefined ? '' : `, ${width}px`}] ${v.id} (${v.impact}): ${v.help}\n` +
            v.targets.map((target) => `    ${target}`).join('\n'),
        );
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: wasDark ? 'dark' : 'light' });
  }
  if (failures.length > 0) {
    throw new Error(`${name}: ${failures.length} accessibility violation(s) (axe-core):\n${failures.join('\n')}`);
  }
}
