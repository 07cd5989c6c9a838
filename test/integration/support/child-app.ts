/**
 * @module test/integration/support/child-app
 * The app as a real process (`node --import tsx src/server.ts`), the way it runs in production: embedded store in
 * a DATA_DIR, fixed SESSION_SECRETS, pointed at an emulator by RC_SERVER_URL (or, without `emulatorUrl`, running
 * its built-in emulator on a free port), on 127.0.0.1 and a free port. Its output is kept (and teed to the suite's
 * log spy); it can be signalled and awaited. Used by the restart tests and by `scripts/soak.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordSecrets, teeLogLines } from '../../helpers/log-spy.js';
import { freePort } from '../../helpers/ports.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Options of {@link startChildApp}. */
export interface ChildAppOptions {
  /** The RingCentral the app uses (RC_SERVER_URL); unset: the app starts its built-in emulator. */
  readonly emulatorUrl?: string;
  /** Port of the built-in emulator (EMULATOR_PORT) when `emulatorUrl` is unset; default a free port. */
  readonly emulatorPort?: number;
  readonly dataDir: string;
  readonly sessionSecrets: string;
  /** Default: a free port. Pass the previous one to restart "the same" app. */
  readonly port?: number;
  /** More environment (wins over the defaults). */
  readonly env?: Record<string, string>;
  /** Bound on start-up (default 30 s). */
  readonly startTimeoutMs?: number;
  /**
   * How the app runs: `tsx` (default: the sources through the TypeScript loader) or `npm-start` (the command of
   * `npm start` from package.json, without npm in between: the bundled sources with its Node flags).
   */
  readonly launch?: 'tsx' | 'npm-start';
}

/** The Node arguments of `npm start` (its script is `node <args…>`). */
function npmStartArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [node, ...args] = pkg.scripts.start.trim().split(/\s+/);
  if (node !== 'node') throw new Error(`npm start does not run node: ${pkg.scripts.start}`);
  return args;
}

/** A running app process. */
export interface ChildApp {
  readonly url: string;
  readonly port: number;
  readonly redirectUrl: string;
  /** The built-in emulator's URL (127.0.0.1), when the app runs it. */
  readonly builtInEmulatorUrl: string | undefined;
  readonly process: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with the exit code/signal (immediately if it has exited). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL if still running, then wait. */
  kill(): Promise<void>;
}

/** Starts the app and resolves once `/healthz` answers 200. */
export async function startChildApp(options: ChildAppOptions): Promise<ChildApp> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const redirectUrl = `${url}/oauth2callback`;
  recordSecrets(...options.sessionSecrets.split(','));
  const args = options.launch === 'npm-start' ? npmStartArgs() : ['--import', 'tsx', 'src/server.ts'];
  const emulatorPort = options.emulatorUrl === undefined ? (options.emulatorPort ?? (await freePort())) : undefined;
  const ringCentral: Record<string, string> =
    emulatorPort === undefined
      ? {
          RC_SERVER_URL: options.emulatorUrl ?? '',
          RC_CLIENT_ID: 'demo-client-id',
          RC_CLIENT_SECRET: 'demo-client-secret',
        }
      : { EMULATOR_PORT: String(emulatorPort) };
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...ringCentral,
      RC_REDIRECT_URL: redirectUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SESSION_STORE: 'embedded',
      DATA_DIR: options.dataDir,
      SESSION_SECRETS: options.sessionSecrets,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tee = teeLogLines('child-app');
  let text = '';
  let partial = '';
  const collect = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    text += s;
    if (text.length > 2_000_000) text = text.slice(-1_000_000);
    partial += s;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') tee?.write(line);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      if (partial !== '') tee?.write(partial);
      tee?.flush();
      resolve({ code, signal });
    });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the app exited during start-up:\n${text}`);
    }
    try {
      const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (health.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not answer /healthz within the start bound:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    port,
    redirectUrl,
    builtInEmulatorUrl: emulatorPort === undefined ? undefined : `http://127.0.0.1:${emulatorPort}`,
    process: child,
    output: () => text,
    exited: () => exit,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exit;
    },
  };
}
