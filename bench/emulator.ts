/**
 * @module bench/emulator
 * Throughput of the emulator alone on its hottest endpoint: `GET /restapi/v1.0/account/~/extension` with a bearer
 * token, 50 connections, measured with autocannon after a short warm-up. The emulator runs in its own process
 * (`emulator/cli.ts` on a free port) so the load generator does not share its event loop. The Medium rate limit is
 * raised through the control API first. Target (DESIGN §5): ≥ 10,000 requests/s.
 *
 * Run: `node --import tsx bench/emulator.ts` (options via env: `BENCH_DURATION` seconds, `BENCH_CONNECTIONS`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_RPS = 10_000;
const PATH = '/restapi/v1.0/account/~/extension';

/** What autocannon's programmatic API returns (the fields used here). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<AutocannonResult>;

/** Options of {@link runEmulatorBench}. */
export interface EmulatorBenchOptions {
  /** Measured seconds (default 10). */
  readonly durationSeconds?: number;
  /** Warm-up seconds before measuring (default 2). */
  readonly warmupSeconds?: number;
  readonly connections?: number;
}

/** Result of {@link runEmulatorBench}. */
export interface EmulatorBenchResult {
  readonly name: string;
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  readonly totalRequests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly targetRps: number;
  readonly meetsTarget: boolean;
}

async function startEmulatorProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('emulator did not start within 30 s')), 30_000);
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const match = /RingCentral emulator listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}`));
    });
  });
  return { child, url };
}

async function login(url: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://localhost:5000/oauth2callback';
  const form = new URLSearchParams({
    response_type: 'code',
    client_id: 'demo-client-id',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    username: 'admin@example.com',
    password: 'Passw0rd!admin',
    action: 'signin',
  });
  const signIn = await fetch(`${url}/restapi/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  const code = new URL(signIn.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (code === null) throw new Error(`sign-in failed: HTTP ${signIn.status}`);
  const token = await fetch(`${url}/restapi/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('demo-client-id:demo-client-secret').toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  if (token.status !== 200) throw new Error(`token exchange failed: HTTP ${token.status}`);
  return ((await token.json()) as { access_token: string }).access_token;
}

/** Starts the emulator in a child process, loads its extension list, stops it, and returns the figures. */
export async function runEmulatorBench(options: EmulatorBenchOptions = {}): Promise<EmulatorBenchResult> {
  const durationSeconds = options.durationSeconds ?? 10;
  const warmupSeconds = options.warmupSeconds ?? 2;
  const connections = options.connections ?? 50;
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const { child, url } = await startEmulatorProcess();
  try {
    const limits = await fetch(`${url}/__emulator/limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ group: 'Medium', limit: 1_000_000_000 }),
    });
    if (!limits.ok) throw new Error(`could not raise the Medium limit: HTTP ${limits.status}`);
    const accessToken = await login(url);
    const target = { url: `${url}${PATH}`, connections, headers: { authorization: `Bearer ${accessToken}` } };
    if (warmupSeconds > 0) await autocannon({ ...target, duration: warmupSeconds });
    const result = await autocannon({ ...target, duration: durationSeconds });
    return {
      name: 'emulator: GET /restapi/v1.0/account/~/extension',
      url: target.url,
      connections,
      durationSeconds,
      requestsPerSecond: Math.round(result.requests.average),
      totalRequests: result.requests.total,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
      targetRps: TARGET_RPS,
      meetsTarget: result.requests.average >= TARGET_RPS && result.non2xx === 0 && result.errors === 0,
    };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const envInt = (name: string): number | undefined => {
    const v = process.env[name];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const duration = envInt('BENCH_DURATION');
  const connections = envInt('BENCH_CONNECTIONS');
  const r = await runEmulatorBench({
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    ...(connections !== undefined ? { connections } : {}),
  });
  console.log(`${r.name}`);
  console.log(`  connections ${r.connections}, ${r.durationSeconds} s, ${r.totalRequests} requests`);
  console.log(`  requests/s  ${r.requestsPerSecond}`);
  console.log(`  latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  console.log(`  errors ${r.errors}, non-2xx ${r.non2xx}`);
  console.log(`  target ≥ ${r.targetRps} req/s: ${r.meetsTarget ? 'MET' : 'NOT MET'}`);
  process.exitCode = r.meetsTarget ? 0 : 1;
}
