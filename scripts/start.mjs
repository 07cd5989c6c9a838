/**
 * @module scripts/start
 * `npm start`: runs the current sources of `src/server.ts` (and the built-in emulator) fast. The TypeScript is
 * bundled with esbuild into `node_modules/.cache/rc-authflow/<fingerprint>/` the first time, and again whenever a
 * source file changes (the fingerprint covers the path, size and modification time of every file under `src/`
 * and `emulator/`, plus the Node and esbuild versions), then plain Node runs the bundle. npm packages stay
 * external (loaded from `node_modules` as usual). Starting this way skips the on-the-fly TypeScript loader, whose
 * per-import round trips were half of the start-up time (see `docs/benchmarks.md`, cold start).
 *
 * Concurrent starts are safe: each build goes to its own temporary directory and is renamed into place; a start
 * that loses the race uses the winner's build. If esbuild cannot be loaded or the build fails, the sources run
 * through tsx instead (slower start, same behaviour). `RC_START_NO_BUILD=1` forces that path.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'rc-authflow');
const SOURCES = ['src', 'emulator'];
const ENTRY = join(ROOT, 'src', 'server.ts');
const KEEP_BUILDS = 3;
const BUILD_VERSION = '2';

/** Every file under the source directories with its size and mtime: any edit changes the fingerprint. */
function fingerprint(esbuildVersion) {
  const hash = createHash('sha256').update(`${BUILD_VERSION}\0${ROOT}\0${process.version}\0${esbuildVersion}\0`);
  // Plain string paths (no path.join per file): this runs on every start and must stay in the low milliseconds.
  const walk = (dir) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else {
        const stat = statSync(path);
        hash.update(`${path}\0${stat.size}\0${stat.mtimeMs}\0`);
      }
    }
  };
  for (const dir of SOURCES) walk(`${ROOT}${dir}`);
  return hash.digest('hex').slice(0, 16);
}

/** Removes all but the newest builds (best effort: another start may be using one). */
function pruneBuilds(keep) {
  try {
    const builds = readdirSync(CACHE, { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name))
      .map((e) => ({ name: e.name, mtime: statSync(join(CACHE, e.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of builds.filter((b) => b.name !== keep).slice(KEEP_BUILDS - 1)) {
      rmSync(join(CACHE, old.name), { recursive: true, force: true });
    }
    for (const e of readdirSync(CACHE)) {
      if (e.startsWith('tmp-') && Date.now() - statSync(join(CACHE, e)).mtimeMs > 60_000) {
        rmSync(join(CACHE, e), { recursive: true, force: true });
      }
    }
  } catch {
    // nothing to prune
  }
}

/**
 * Each source module keeps its own `import.meta.url` (templates and assets are read next to their module), so the
 * bundle reads them from the sources, wherever the bundle itself lives.
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/** The bundle of the current sources, built when missing. Returns its entry file. */
async function bundle() {
  const esbuild = await import('esbuild');
  const id = fingerprint(esbuild.version);
  const dir = join(CACHE, id);
  const entry = join(dir, 'server.mjs');
  if (existsSync(entry)) return entry;
  mkdirSync(CACHE, { recursive: true });
  const tmp = join(CACHE, `tmp-${process.pid}-${Date.now()}`);
  await esbuild.build({
    entryPoints: { server: ENTRY },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    sourcemap: 'linked',
    // The maps only turn stack positions into source positions; without the sources' text in them, Node reads and
    // parses about a third of the bytes at start (the stack traces are the same).
    sourcesContent: false,
    // No keepNames: it wraps every function created at run time (closures per request) in a defineProperty call,
    // ~2% of a request's CPU in the profile. Stack traces map to the sources through the source map, and
    // esbuild renames a class only when two share a name (error classes take `name` from the class).
    plugins: [keepModuleUrls],
    logLevel: 'silent',
  });
  writeFileSync(join(tmp, 'package.json'), '{ "type": "module" }\n');
  try {
    renameSync(tmp, dir);
  } catch {
    // Another start built the same sources first: use its build.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(entry)) throw new Error(`build directory ${dir} is incomplete`);
  }
  pruneBuilds(id);
  return entry;
}

async function loadServer() {
  if (process.env.RC_START_NO_BUILD !== '1') {
    try {
      const entry = await bundle();
      // Stack traces point at the TypeScript sources, as they do under tsx.
      process.setSourceMapsEnabled(true);
      return await import(pathToFileURL(entry).href);
    } catch (err) {
      console.error(
        `rc-authflow: could not bundle the sources (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); running them through tsx`,
      );
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(ENTRY).href);
}

const server = await loadServer();
await server.main();
