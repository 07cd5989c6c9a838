/**
 * @module config
 * `loadConfig(env)`: validates every environment variable at once (zod), reports every problem in one
 * {@link ConfigError} by variable name without echoing values, and returns a deep-frozen {@link Config}.
 * Pure: it reads only the `env` object it is given (`server.ts` passes `.env` + `process.env`).
 */
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.js';
import { allOperations, findOperation } from './rc-api/operations.js';

export type SessionStoreChoice = 'embedded' | 'redis' | 'memory';
export type RedisTopologyKind = 'server' | 'sentinel' | 'cluster';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The built-in emulator's confidential demo app (DESIGN §3), used when `RC_SERVER_URL` is unset. */
export const EMULATOR_DEMO_CLIENT_ID = 'demo-client-id';
export const EMULATOR_DEMO_CLIENT_SECRET = 'demo-client-secret';

/** The validated configuration. Deep-frozen. */
export interface Config {
  readonly ringCentral: {
    /** RingCentral origin, e.g. `https://platform.ringcentral.com`; `undefined` = start the built-in emulator. */
    readonly serverUrl: string | undefined;
    readonly clientId: string;
    /** `undefined` = public client (PKCE only, `client_id` in the body). */
    readonly clientSecret: string | undefined;
    /** The OAuth `redirect_uri`, registered with RingCentral; its path is where the callback route listens. */
    readonly redirectUrl: string;
    /** Plain-http RingCentral URLs that are not loopback are refused unless this is set. */
    readonly allowInsecureHttp: boolean;
  };
  readonly port: number;
  readonly host: string;
  readonly emulatorPort: number;
  /** Interface the built-in emulator listens on (default loopback: other machines cannot reach it). */
  readonly emulatorHost: string;
  /** Origin of `redirectUrl`: where browsers reach the app. */
  readonly publicOrigin: string;
  /** Path of `redirectUrl` (default `/oauth2callback`). */
  readonly callbackPath: string;
  readonly session: {
    /** `undefined` = generate once and keep in `dataDir` (server.ts). */
    readonly secrets: readonly string[] | undefined;
    readonly store: SessionStoreChoice;
    readonly dataDir: string;
    readonly redisUrl: string | undefined;
    /** Where Redis is and how to reach it (`SESSION_STORE=redis` only; else `undefined`). */
    readonly redis: RedisSettings | undefined;
    /** Prefix of every Redis key (sessions and refresh locks); `undefined` = the store's default (`rcaf:`). */
    readonly redisKeyPrefix: string | undefined;
    /** `REDIS_SESSION_CACHE`: keep read sessions in memory while Redis reports their changes (not on Cluster). */
    readonly redisSessionCache: boolean;
    readonly idleTimeoutSeconds: number;
    readonly absoluteTimeoutSeconds: number;
  };
  readonly upstreamTimeoutMs: number;
  readonly cookieSecure: boolean;
  /** Passed to Fastify `trustProxy`. */
  readonly trustProxy: boolean | number | string;
  readonly logLevel: LogLevel;
  /** `GET /metrics` needs `Authorization: Bearer <metricsToken>`; `undefined` = served to loopback clients only. */
  readonly metricsToken: string | undefined;
  /** Per client IP on the login routes; `undefined` = off (`LOGIN_RATE_LIMIT=off`). */
  readonly loginRateLimit: LoginRateLimit | undefined;
  /** SIGTERM/SIGINT: in-flight requests get this long to finish before the process exits anyway. */
  readonly shutdownTimeoutMs: number;
  /** Longest a request waits for its RingCentral rate-limit slot before "try again in N s" (0: never waits). */
  readonly rateLimitMaxWaitMs: number;
  /** `GET /admin/readiness` needs it (Bearer or Basic password); `undefined` = the admin routes are off (404). */
  readonly adminToken: string | undefined;
  /** The backend for front-ends (`/api/rc/...`). */
  readonly bff: {
    /** operationIds and tags `BFF_OPERATIONS` narrows the forwarded operations to; `undefined` = every one. */
    readonly operations: readonly string[] | undefined;
    /** Largest request body forwarded, in bytes (`BFF_BODY_LIMIT`). */
    readonly bodyLimit: number;
  };
}

/** A `host:port` of `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES` (IPv6 literals without brackets). */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** How the app reaches Redis: exactly one topology, plus credentials, TLS and the write-safety rule. */
export type RedisSettings = RedisServerSettings | RedisSentinelSettings | RedisClusterSettings;

interface RedisCommonSettings {
  /** `REDIS_USERNAME`, or the URL's user: an ACL user (Redis 6+); `undefined` = the `default` user. */
  readonly username: string | undefined;
  /** `REDIS_PASSWORD`, or the URL's password. Never logged. */
  readonly password: string | undefined;
  /** `REDIS_TLS=true` or a `rediss://` URL: every connection to Redis (and to the sentinels) uses TLS. */
  readonly tls: boolean;
  /**
   * Replicas that must confirm a login or refresh write (`WAIT <n> <ms>`) before the app answers:
   * `REDIS_WAIT_REPLICAS`, default 0 with `REDIS_URL`, 1 with Sentinel and Cluster (on a Cluster, never more
   * than the shard's primary has).
   */
  readonly waitReplicas: number;
  /** `REDIS_WAIT_TIMEOUT_MS`: how long such a write waits for them. Default 250. */
  readonly waitTimeoutMs: number;
}

/** `REDIS_URL`: one server (or a managed endpoint that follows the primary itself). */
export interface RedisServerSettings extends RedisCommonSettings {
  readonly topology: 'server';
  /** The URL as given (it may hold the password: never logged). */
  readonly url: string;
}

/** `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`: a primary with replicas, watched by Redis Sentinel. */
export interface RedisSentinelSettings extends RedisCommonSettings {
  readonly topology: 'sentinel';
  readonly sentinels: readonly RedisAddress[];
  /** The name the sentinels monitor the primary under. */
  readonly name: string;
  /** `REDIS_SENTINEL_PASSWORD`: the sentinels' own `requirepass`, when they have one. Never logged. */
  readonly sentinelPassword: string | undefined;
}

/** `REDIS_CLUSTER_NODES`: Redis Cluster, keys sharded over several primaries (any reachable node is enough). */
export interface RedisClusterSettings extends RedisCommonSettings {
  readonly topology: 'cluster';
  readonly nodes: readonly RedisAddress[];
}

/** `LOGIN_RATE_LIMIT`, e.g. `60/min`: at most `max` requests per `windowMs` per client IP. */
export interface LoginRateLimit {
  readonly max: number;
  readonly windowMs: number;
}

/** A variable `loadConfig` reads; the table in docs/configuration.md lists exactly these names (tested). */
export interface ConfigVariable {
  readonly name: string;
  /** Its value is never printed (logs, errors). */
  readonly secret?: boolean;
}

/** Every variable `loadConfig` reads. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'RC_SERVER_URL' },
  { name: 'RC_CLIENT_ID' },
  { name: 'RC_APP_CLIENT_ID' },
  { name: 'RC_CLIENT_SECRET', secret: true },
  { name: 'RC_APP_CLIENT_SECRET', secret: true },
  { name: 'RC_REDIRECT_URL' },
  { name: 'ALLOW_INSECURE_HTTP' },
  { name: 'PORT' },
  { name: 'HOST' },
  { name: 'EMULATOR_PORT' },
  { name: 'EMULATOR_HOST' },
  { name: 'SESSION_SECRETS', secret: true },
  { name: 'SESSION_STORE' },
  { name: 'DATA_DIR' },
  { name: 'REDIS_URL', secret: true },
  { name: 'REDIS_SENTINELS' },
  { name: 'REDIS_SENTINEL_NAME' },
  { name: 'REDIS_SENTINEL_PASSWORD', secret: true },
  { name: 'REDIS_CLUSTER_NODES' },
  { name: 'REDIS_USERNAME' },
  { name: 'REDIS_PASSWORD', secret: true },
  { name: 'REDIS_TLS' },
  { name: 'REDIS_WAIT_REPLICAS' },
  { name: 'REDIS_WAIT_TIMEOUT_MS' },
  { name: 'REDIS_KEY_PREFIX' },
  { name: 'REDIS_SESSION_CACHE' },
  { name: 'SESSION_IDLE_TIMEOUT' },
  { name: 'SESSION_ABSOLUTE_TIMEOUT' },
  { name: 'UPSTREAM_TIMEOUT_MS' },
  { name: 'COOKIE_SECURE' },
  { name: 'TRUST_PROXY' },
  { name: 'LOG_LEVEL' },
  { name: 'METRICS_TOKEN', secret: true },
  { name: 'LOGIN_RATE_LIMIT' },
  { name: 'SHUTDOWN_TIMEOUT_MS' },
  { name: 'RATE_LIMIT_MAX_WAIT_MS' },
  { name: 'ADMIN_TOKEN', secret: true },
  { name: 'BFF_OPERATIONS' },
  { name: 'BFF_BODY_LIMIT' },
];

const MIN_SECRET_LENGTH = 32;
const RATE_WINDOWS_MS: Readonly<Record<string, number>> = {
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
};
const RATE_LIMIT_TEXT = /^(\d{1,6})\s*\/\s*([a-z]+)$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const TRUST_PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_REDIS_ADDRESSES = 32;
/** `WAIT` runs inside the per-command timeout (2 s), so its own timeout must stay well below it. */
const MAX_REDIS_WAIT_TIMEOUT_MS = 1_000;
const DEFAULT_REDIS_WAIT_TIMEOUT_MS = 250;
/** `host:port`, `[v6]:port`; a host name, IPv4 or bracketed IPv6 literal. */
const REDIS_ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)):(\d{1,5})$/;

/** True when `entry` names an operation (its operationId) or a tag of the pinned spec. */
function isOperationOrTag(entry: string): boolean {
  if (findOperation(entry) !== undefined) return true;
  for (const op of allOperations()) if (op.tags.includes(entry)) return true;
  return false;
}

/** Empty strings (`X=` in `.env`) count as unset, except where emptiness means something (the client secret). */
function present(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Whether a host name or address is this machine's loopback (`localhost`, `127.x.x.x`, `::1`). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Parses `host:port,host:port,...`; `undefined` for a malformed list (the schema reports it). */
export function parseRedisAddresses(text: string): RedisAddress[] | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.length > MAX_REDIS_ADDRESSES) return undefined;
  const addresses: RedisAddress[] = [];
  const seen = new Set<string>();
  for (const part of parts) {
    const match = REDIS_ADDRESS.exec(part);
    if (match === null) return undefined;
    const port = Number(match[3]);
    if (port < 1 || port > 65_535) return undefined;
    const host = (match[1] ?? match[2] ?? '').toLowerCase();
    const key = `${host}:${port}`;
    if (seen.has(key)) return undefined;
    seen.add(key);
    addresses.push({ host, port });
  }
  return addresses;
}

function redisAddressList(example: string) {
  return z
    .string()
    .refine((value) => parseRedisAddresses(value) !== undefined, {
      error: `must be a comma-separated list of host:port (at most ${MAX_REDIS_ADDRESSES}, no repeats), e.g. ${example}`,
    })
    .transform((value) => parseRedisAddresses(value) ?? []);
}

const booleanText = z.enum(['true', 'false', '1', '0', 'yes', 'no'], {
  error: 'must be one of true, false, 1, 0, yes, no',
});

function toBoolean(value: 'true' | 'false' | '1' | '0' | 'yes' | 'no'): boolean {
  return value === 'true' || value === '1' || value === 'yes';
}

function integerText(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be a whole number between ${min} and ${max}` });
}

function hostText() {
  return z
    .string()
    .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'must be a host name or IP address (e.g. localhost, 0.0.0.0)' });
}

function httpUrl(what: string) {
  return z.string().refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
      } catch {
        return false;
      }
    },
    { error: `must be an absolute http(s) URL (${what})`, abort: true },
  );
}

/** One zod schema per variable: each is checked on its own so that every problem is reported at once. */
const variableSchemas = {
  RC_SERVER_URL: httpUrl('e.g. https://platform.ringcentral.com')
    .refine(
      (value) => {
        const url = new URL(value);
        return url.pathname === '/' && url.search === '' && url.hash === '';
      },
      { error: 'must be an origin without path, query or fragment (e.g. https://platform.ringcentral.com)' },
    )
    .optional(),
  RC_CLIENT_ID: z.string().max(256, { error: 'must be at most 256 characters' }).optional(),
  RC_CLIENT_SECRET: z.string().max(512, { error: 'must be at most 512 characters' }).optional(),
  RC_REDIRECT_URL: httpUrl('e.g. http://localhost:5000/oauth2callback')
    .refine(
      (value) => {
        const url = new URL(value);
        return url.search === '' && url.hash === '' && url.pathname.length > 1;
      },
      { error: 'must have a path (e.g. /oauth2callback) and no query or fragment' },
    )
    .optional(),
  ALLOW_INSECURE_HTTP: booleanText.transform(toBoolean).default(false),
  PORT: integerText(0, 65535).default(5000),
  HOST: hostText().default('localhost'),
  EMULATOR_PORT: integerText(0, 65535).default(5001),
  EMULATOR_HOST: hostText().default('127.0.0.1'),
  SESSION_SECRETS: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .refine((parts) => parts.every((part) => part.length >= MIN_SECRET_LENGTH), {
      error: `every comma-separated secret must be at least ${MIN_SECRET_LENGTH} characters`,
    })
    .refine((parts) => new Set(parts).size === parts.length, { error: 'must not repeat a secret' })
    .optional(),
  SESSION_STORE: z
    .enum(['embedded', 'redis', 'memory'], { error: 'must be one of embedded, redis, memory' })
    .default('embedded'),
  DATA_DIR: z.string().default('.data'),
  REDIS_URL: z
    .string()
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return url.protocol === 'redis:' || url.protocol === 'rediss:';
        } catch {
          return false;
        }
      },
      { error: 'must be a redis:// or rediss:// URL' },
    )
    .optional(),
  REDIS_SENTINELS: redisAddressList('10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379').optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, { error: 'must be 1 to 128 letters, digits or . _ - (e.g. mymaster)' })
    .optional(),
  REDIS_SENTINEL_PASSWORD: z.string().max(512, { error: 'must be at most 512 characters' }).optional(),
  REDIS_CLUSTER_NODES: redisAddressList('10.0.0.1:6379,10.0.0.2:6379').optional(),
  REDIS_USERNAME: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, { error: 'must be 1 to 256 visible ASCII characters (no spaces)' })
    .optional(),
  REDIS_PASSWORD: z.string().max(512, { error: 'must be at most 512 characters' }).optional(),
  REDIS_TLS: booleanText.transform(toBoolean).optional(),
  REDIS_WAIT_REPLICAS: integerText(0, 16).optional(),
  REDIS_WAIT_TIMEOUT_MS: integerText(1, MAX_REDIS_WAIT_TIMEOUT_MS).default(DEFAULT_REDIS_WAIT_TIMEOUT_MS),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:._-]{1,64}$/, { error: 'must be 1 to 64 letters, digits or : . _ -' })
    .optional(),
  REDIS_SESSION_CACHE: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  SESSION_IDLE_TIMEOUT: integerText(60, 31_536_000).default(28_800),
  SESSION_ABSOLUTE_TIMEOUT: integerText(60, 31_536_000).default(604_800),
  UPSTREAM_TIMEOUT_MS: integerText(100, 120_000).default(10_000),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false'], { error: 'must be one of auto, true, false' }).default('auto'),
  TRUST_PROXY: z
    .string()
    .refine(
      (value) =>
        value === 'true' ||
        value === 'false' ||
        /^\d{1,2}$/.test(value) ||
        value
          .split(',')
          .map((part) => part.trim())
          .every((part) => TRUST_PROXY_NAMES.has(part) || /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(part)),
      { error: 'must be true, false, a hop count, or a comma list of IP addresses/CIDRs' },
    )
    .default('false'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  // Sent by Prometheus in an Authorization header: visible ASCII only, and long enough not to be guessed.
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,512}$/, { error: 'must be 16 to 512 visible ASCII characters (no spaces)' })
    .optional(),
  LOGIN_RATE_LIMIT: z
    .string()
    .transform((value) => value.toLowerCase())
    .refine(
      (value) => {
        if (value === 'off') return true;
        const match = RATE_LIMIT_TEXT.exec(value);
        return match !== null && Number(match[1]) >= 1 && RATE_WINDOWS_MS[match[2] ?? ''] !== undefined;
      },
      { error: 'must be off or <count>/<s|min|hour>, e.g. 60/min' },
    )
    .transform((value): LoginRateLimit | 'off' => {
      const match = RATE_LIMIT_TEXT.exec(value);
      if (match === null) return 'off';
      return { max: Number(match[1]), windowMs: RATE_WINDOWS_MS[match[2] ?? ''] ?? 60_000 };
    })
    .default({ max: 60, windowMs: 60_000 }),
  SHUTDOWN_TIMEOUT_MS: integerText(1000, 300_000).default(15_000),
  RATE_LIMIT_MAX_WAIT_MS: integerText(0, 600_000).default(10_000),
  // Typed into a browser's password prompt or sent as a Bearer token: visible ASCII, too long to guess.
  ADMIN_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{32,512}$/, { error: 'must be 32 to 512 visible ASCII characters (no spaces)' })
    .optional(),
  BFF_OPERATIONS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    )
    .refine((entries) => entries.length > 0 && entries.every(isOperationOrTag), {
      error: 'must be a comma-separated list of RingCentral operationIds or tags of the pinned spec',
    })
    .optional(),
  BFF_BODY_LIMIT: integerText(1, 100 * 1024 * 1024).default(1024 * 1024),
};

type Variables = { -readonly [K in keyof typeof variableSchemas]: z.output<(typeof variableSchemas)[K]> };

/** Checks that need several variables; only run on variables that are valid on their own. */
function checkCombinations(v: Partial<Variables>, invalid: ReadonlySet<string>, problems: ConfigProblem[]): void {
  if (v.RC_SERVER_URL !== undefined && v.RC_CLIENT_ID === undefined) {
    problems.push({
      variable: 'RC_CLIENT_ID',
      problem: 'is required when RC_SERVER_URL is set (alias RC_APP_CLIENT_ID)',
    });
  }
  if (v.RC_SERVER_URL !== undefined && v.ALLOW_INSECURE_HTTP === false) {
    const url = new URL(v.RC_SERVER_URL);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
      problems.push({
        variable: 'RC_SERVER_URL',
        problem: 'uses plain http to a non-loopback host; use https, or set ALLOW_INSECURE_HTTP=true for a test server',
      });
    }
  }
  if (
    v.SESSION_IDLE_TIMEOUT !== undefined &&
    v.SESSION_ABSOLUTE_TIMEOUT !== undefined &&
    v.SESSION_IDLE_TIMEOUT > v.SESSION_ABSOLUTE_TIMEOUT
  ) {
    problems.push({ variable: 'SESSION_IDLE_TIMEOUT', problem: 'must not be longer than SESSION_ABSOLUTE_TIMEOUT' });
  }
  if (v.PORT !== undefined && v.PORT !== 0 && v.PORT === v.EMULATOR_PORT && v.RC_SERVER_URL === undefined) {
    problems.push({ variable: 'EMULATOR_PORT', problem: 'must differ from PORT' });
  }
  if (v.SESSION_STORE === 'redis') checkRedisCombinations(v, invalid, problems);
}

/** The URL's user and password, percent-decoded; `undefined` parts when absent or undecodable. */
function urlCredentials(url: string): { username?: string; password?: string } {
  const parsed = new URL(url);
  const decode = (value: string): string | undefined => {
    if (value === '') return undefined;
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  };
  const username = decode(parsed.username);
  const password = decode(parsed.password);
  return { ...(username === undefined ? {} : { username }), ...(password === undefined ? {} : { password }) };
}

/** `SESSION_STORE=redis`: exactly one topology, and credentials/TLS that do not contradict each other. */
function checkRedisCombinations(v: Partial<Variables>, invalid: ReadonlySet<string>, problems: ConfigProblem[]): void {
  const given = (['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'] as const).filter(
    (name) => v[name] !== undefined || invalid.has(name),
  );
  if (given.length === 0) {
    problems.push({
      variable: 'REDIS_URL',
      problem:
        'is required when SESSION_STORE=redis (or REDIS_SENTINELS with REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES)',
    });
  }
  for (const name of given.slice(1)) {
    problems.push({
      variable: name,
      problem: `must not be set together with ${given[0]}: set exactly one of REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES`,
    });
  }
  if (v.REDIS_SENTINELS !== undefined && v.REDIS_SENTINEL_NAME === undefined && !invalid.has('REDIS_SENTINEL_NAME')) {
    problems.push({
      variable: 'REDIS_SENTINEL_NAME',
      problem: "is required with REDIS_SENTINELS (the primary's name)",
    });
  }
  for (const name of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
    if (v[name] !== undefined && v.REDIS_SENTINELS === undefined && !invalid.has('REDIS_SENTINELS')) {
      problems.push({ variable: name, problem: 'only applies with REDIS_SENTINELS' });
    }
  }
  if (v.REDIS_URL !== undefined) {
    const fromUrl = urlCredentials(v.REDIS_URL);
    if (v.REDIS_TLS === false && v.REDIS_URL.startsWith('rediss:')) {
      problems.push({ variable: 'REDIS_TLS', problem: 'is false but REDIS_URL is a rediss:// (TLS) URL' });
    }
    if (v.REDIS_PASSWORD !== undefined && fromUrl.password !== undefined && fromUrl.password !== v.REDIS_PASSWORD) {
      problems.push({ variable: 'REDIS_PASSWORD', problem: 'differs from the password in REDIS_URL; set only one' });
    }
    if (v.REDIS_USERNAME !== undefined && fromUrl.username !== undefined && fromUrl.username !== v.REDIS_USERNAME) {
      problems.push({ variable: 'REDIS_USERNAME', problem: 'differs from the user in REDIS_URL; set only one' });
    }
  }
}

/** The Redis settings of a valid configuration with `SESSION_STORE=redis`. */
function redisSettings(v: Variables): RedisSettings {
  const common = {
    username: v.REDIS_USERNAME,
    password: v.REDIS_PASSWORD,
    tls: v.REDIS_TLS === true,
    waitTimeoutMs: v.REDIS_WAIT_TIMEOUT_MS,
  };
  if (v.REDIS_SENTINELS !== undefined) {
    return {
      ...common,
      topology: 'sentinel',
      sentinels: v.REDIS_SENTINELS,
      name: v.REDIS_SENTINEL_NAME ?? '',
      sentinelPassword: v.REDIS_SENTINEL_PASSWORD,
      // A Sentinel deployment has a replica by definition: that is what a failover promotes.
      waitReplicas: v.REDIS_WAIT_REPLICAS ?? 1,
    };
  }
  if (v.REDIS_CLUSTER_NODES !== undefined) {
    // Capped per write by the replicas the key's primary has, so a cluster without replicas never waits.
    return { ...common, topology: 'cluster', nodes: v.REDIS_CLUSTER_NODES, waitReplicas: v.REDIS_WAIT_REPLICAS ?? 1 };
  }
  const url = v.REDIS_URL ?? '';
  const fromUrl = urlCredentials(url);
  return {
    ...common,
    topology: 'server',
    url,
    username: fromUrl.username ?? v.REDIS_USERNAME,
    password: fromUrl.password ?? v.REDIS_PASSWORD,
    tls: url.startsWith('rediss:') || v.REDIS_TLS === true,
    waitReplicas: v.REDIS_WAIT_REPLICAS ?? 0,
  };
}

/** Reads one variable and its alias; both set with different values is a problem. */
function readAliased(
  env: Record<string, string | undefined>,
  name: string,
  alias: string,
  problems: ConfigProblem[],
  keepEmpty: boolean,
): string | undefined {
  const normalize = (value: string | undefined): string | undefined =>
    keepEmpty ? (value === undefined ? undefined : value.trim()) : present(value);
  const primary = normalize(env[name]);
  const secondary = normalize(env[alias]);
  if (primary !== undefined && secondary !== undefined && primary !== secondary) {
    problems.push({ variable: name, problem: `is set and differs from its alias ${alias}; set only one` });
  }
  return primary ?? secondary;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates the environment and returns the frozen configuration.
 * @throws {ConfigError} listing every problem by variable name; values are never included.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Readonly<Config> {
  const problems: ConfigProblem[] = [];
  // Unset means "start the built-in emulator"; set but blank is a mistake (an emptied line in .env, a template
  // variable that expanded to nothing) that must not silently start an emulator with public demo passwords.
  if (env.RC_SERVER_URL !== undefined && env.RC_SERVER_URL.trim() === '') {
    problems.push({
      variable: 'RC_SERVER_URL',
      problem: 'is set but empty; unset it to use the built-in emulator, or give a RingCentral origin',
    });
  }
  const clientId = readAliased(env, 'RC_CLIENT_ID', 'RC_APP_CLIENT_ID', problems, false);
  // An empty secret is meaningful (public client), so it is kept as '' rather than treated as unset.
  const clientSecret = readAliased(env, 'RC_CLIENT_SECRET', 'RC_APP_CLIENT_SECRET', problems, true);

  const input: Record<string, string | undefined> = {};
  for (const { name } of CONFIG_VARIABLES) input[name] = present(env[name]);
  input.RC_CLIENT_ID = clientId;
  input.RC_CLIENT_SECRET = clientSecret;

  const valid: Partial<Record<keyof Variables, unknown>> = {};
  for (const [name, variableSchema] of Object.entries(variableSchemas) as [keyof Variables, z.ZodType][]) {
    const result = variableSchema.safeParse(input[name]);
    if (result.success) valid[name] = result.data;
    // The first message per variable is enough; zod messages here never contain the input value.
    else problems.push({ variable: name, problem: result.error.issues[0]?.message ?? 'is invalid' });
  }
  checkCombinations(valid as Partial<Variables>, new Set(problems.map((p) => p.variable)), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const v = valid as Variables;

  const usesEmulator = v.RC_SERVER_URL === undefined;
  const effectiveClientId = v.RC_CLIENT_ID ?? EMULATOR_DEMO_CLIENT_ID;
  let effectiveSecret: string | undefined = v.RC_CLIENT_SECRET;
  if (effectiveSecret === undefined && usesEmulator && effectiveClientId === EMULATOR_DEMO_CLIENT_ID) {
    effectiveSecret = EMULATOR_DEMO_CLIENT_SECRET;
  }
  if (effectiveSecret === '') effectiveSecret = undefined;

  const redirectUrl = v.RC_REDIRECT_URL ?? `http://localhost:${v.PORT}/oauth2callback`;
  const redirect = new URL(redirectUrl);
  const cookieSecure = v.COOKIE_SECURE === 'auto' ? redirect.protocol === 'https:' : v.COOKIE_SECURE === 'true';
  let trustProxy: boolean | number | string = v.TRUST_PROXY;
  if (v.TRUST_PROXY === 'true') trustProxy = true;
  else if (v.TRUST_PROXY === 'false') trustProxy = false;
  else if (/^\d+$/.test(v.TRUST_PROXY)) trustProxy = Number(v.TRUST_PROXY);

  const config: Config = {
    ringCentral: {
      serverUrl: v.RC_SERVER_URL === undefined ? undefined : new URL(v.RC_SERVER_URL).origin,
      clientId: effectiveClientId,
      clientSecret: effectiveSecret,
      redirectUrl: redirect.href,
      allowInsecureHttp: v.ALLOW_INSECURE_HTTP,
    },
    port: v.PORT,
    host: v.HOST,
    emulatorPort: v.EMULATOR_PORT,
    emulatorHost: v.EMULATOR_HOST,
    publicOrigin: redirect.origin,
    callbackPath: redirect.pathname,
    session: {
      secrets: v.SESSION_SECRETS,
      store: v.SESSION_STORE,
      dataDir: v.DATA_DIR,
      redisUrl: v.REDIS_URL,
      redis: v.SESSION_STORE === 'redis' ? redisSettings(v) : undefined,
      redisKeyPrefix: v.REDIS_KEY_PREFIX,
      redisSessionCache: v.REDIS_SESSION_CACHE === 'on',
      idleTimeoutSeconds: v.SESSION_IDLE_TIMEOUT,
      absoluteTimeoutSeconds: v.SESSION_ABSOLUTE_TIMEOUT,
    },
    upstreamTimeoutMs: v.UPSTREAM_TIMEOUT_MS,
    cookieSecure,
    trustProxy,
    logLevel: v.LOG_LEVEL,
    metricsToken: v.METRICS_TOKEN,
    loginRateLimit: v.LOGIN_RATE_LIMIT === 'off' ? undefined : v.LOGIN_RATE_LIMIT,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    rateLimitMaxWaitMs: v.RATE_LIMIT_MAX_WAIT_MS,
    adminToken: v.ADMIN_TOKEN,
    bff: { operations: v.BFF_OPERATIONS, bodyLimit: v.BFF_BODY_LIMIT },
  };
  return deepFreeze(config);
}

/** True when the RingCentral URL may be called over plain http (loopback, or explicitly allowed). */
export function allowsInsecureRequests(serverUrl: string, allowInsecureHttp: boolean): boolean {
  const url = new URL(serverUrl);
  return url.protocol === 'https:' ? false : allowInsecureHttp || isLoopbackHost(url.hostname);
}

/** What a waiting instance allows beyond a refresh's own bounds (Redis round trips, the session write). */
export const REFRESH_LOCK_WAIT_MARGIN_MS = 2_000;

/**
 * How long an instance waits for another instance's refresh of the same session before refreshing itself: longer
 * than the holder can take (its rate-limit wait for RingCentral's Auth budget, then the token call bounded by
 * `UPSTREAM_TIMEOUT_MS`), so a live holder is never given up on.
 */
export function refreshLockWaitMs(config: Pick<Config, 'upstreamTimeoutMs' | 'rateLimitMaxWaitMs'>): number {
  return config.rateLimitMaxWaitMs + config.upstreamTimeoutMs + REFRESH_LOCK_WAIT_MARGIN_MS;
}
