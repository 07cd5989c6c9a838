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
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

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
      const body = entry === undefined ? readFileSync(join(dir, file)) : bundleScript(join(dir, entry));
      const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
      return Object.freeze({ path: `${urlBase}${file}`, contentType, body, etag });
    }),
  );
}

/** Every asset, loaded once. */
export const assets: readonly Asset[] = loadAssets();
