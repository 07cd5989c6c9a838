/**
 * @module web/assets
 * The static files the pages use (stylesheet, the popup-login, export and Contacts scripts, the icon), read once when this module is
 * loaded, each with a strong ETag (a SHA-256 of the content). Served by the web layer under `/assets/`. Scripts are
 * separate files so the Content-Security-Policy can forbid inline script (`script-src 'self'`).
 *
 * The browser apps written in TypeScript (the Contacts page, `contacts/`) are bundled here, at load, with esbuild
 * into one classic script each (no `import` at run time, no source map, no eval): the same bytes for every start
 * of the same sources, so the ETag only changes when the code does.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

/** One static file, ready to send. */
export interface Asset {
  /** URL path, e.g. `/assets/app.css`. */
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** Strong validator, quoted: `"<base64url sha-256>"`. */
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files this module serves, in `src/web/assets/`. */
export const ASSET_FILES: readonly string[] = Object.freeze([
  'app.css',
  'login.js',
  'popup-done.js',
  'export.js',
  'contacts.js',
  'favicon.svg',
]);

/** Scripts built from TypeScript at load: served name → entry module, relative to the assets directory. */
export const BUNDLED_SCRIPTS: Readonly<Record<string, string>> = Object.freeze({
  'contacts.js': 'contacts/main.ts',
});

/**
 * Bundles the browser app at `entry` into one script: an IIFE for the browsers of the last few years, everything
 * inlined, nothing minified (a reader of the page can follow it). Throws on a compile error: a broken app must
 * fail the start, not a page.
 */
export function bundleScript(entry: string): Buffer {
  // Loaded only when a bundle is built (not on a start that finds its bundles built already).
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`asset "${entry}" built no output`);
  return Buffer.from(output.contents);
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Where built bundles are kept between starts, by a hash of their sources (beside `npm start`'s own bundle). */
const BUNDLE_CACHE = join(ROOT, 'node_modules', '.cache', 'rc-authflow', 'assets');

/** Every file of the folder of `entry`, with its contents, in a stable order (the app's sources, no more). */
function sourcesOf(entry: string): string[] {
  const dir = dirname(entry);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort()
    .map((name) => `${name}\0${readFileSync(join(dir, name), 'utf8')}`);
}

/**
 * {@link bundleScript}, kept between starts: a bundle of the same sources (and esbuild version) is read back rather
 * than built again (esbuild and a build cost about 150 ms of every start). A cache that cannot be written is not
 * an error: the bundle is built each time.
 */
export function cachedBundle(entry: string): Buffer {
  const esbuildVersion = (
    JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  const hash = createHash('sha256').update(`${esbuildVersion}\0${entry}\0`);
  for (const source of sourcesOf(entry)) hash.update(source).update('\0');
  const app = basename(dirname(entry));
  const name = `${app}.${hash.digest('base64url')}.js`;
  const file = join(BUNDLE_CACHE, name);
  try {
    return readFileSync(file);
  } catch {
    const body = bundleScript(entry);
    try {
      mkdirSync(BUNDLE_CACHE, { recursive: true });
      // Written aside and renamed: another process starting at the same time never reads half a bundle.
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, body);
      renameSync(temp, file);
      // The bundles of older sources of this app go.
      for (const old of readdirSync(BUNDLE_CACHE)) {
        if (old.startsWith(`${app}.`) && old.endsWith('.js') && old !== name)
          rmSync(join(BUNDLE_CACHE, old), { force: true });
      }
    } catch {
      // Read-only install: build on every start.
    }
    return body;
  }
}

const ASSETS_DIR = fileURLToPath(new URL('./', import.meta.url));

/**
 * Reads `files` from `dir` into {@link Asset}s served under `urlBase`. Throws if a file is missing or has an
 * unknown extension (a packaging mistake that must fail at start, not per request).
 */
export function loadAssets(
  dir: string = ASSETS_DIR,
  files: readonly string[] = ASSET_FILES,
  urlBase = '/assets/',
): readonly Asset[] {
  return Object.freeze(
    files.map((file) => {
      const contentType = CONTENT_TYPES[extname(file)];
      if (!contentType) throw new Error(`asset "${file}" has no known content type`);
      const entry = BUNDLED_SCRIPTS[file];
      const body = entry === undefined ? readFileSync(join(dir, file)) : cachedBundle(join(dir, entry));
      const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
      return Object.freeze({ path: `${urlBase}${file}`, contentType, body, etag });
    }),
  );
}

/** Every asset, loaded once. */
export const assets: readonly Asset[] = loadAssets();
