/**
 * @module doctor/ringcentral-checks
 * The doctor's checks against RingCentral itself, each one request with a bounded time and nothing that logs a user
 * in or changes anything:
 * - the server answers HTTP at all (`GET /restapi/v1.0`);
 * - the client id and secret are accepted: the token endpoint is asked to exchange a made-up code. RingCentral checks
 *   the client first, so `invalid_grant` means the credentials passed; `invalid_client` says which part is wrong
 *   (OAU-153 unknown id, OAU-146 wrong secret, OAU-123 secret missing). For OAU-146 it asks once more as a public
 *   client: when that passes, the app is a PKCE-only app and must not send a secret;
 * - the redirect URI is registered: the authorize endpoint is opened with it (and a made-up state). Its login page
 *   means registered; OAU-109 means not.
 * @see https://developers.ringcentral.com/guide/authentication/auth-code-flow
 * @see https://developers.ringcentral.com/guide/authentication/auth-code-pkce-flow
 */
import { createHash, randomBytes } from 'node:crypto';
import { result, type CheckResult } from './check.js';
import { explainRingCentralError, type ExplainContext } from '../rc-api/error-explanations.js';

/** The app's RingCentral settings, as the doctor checks them. */
export interface RingCentralTarget {
  readonly serverUrl: string;
  /** Where browsers log in; default `serverUrl`. */
  readonly authorizeBaseUrl?: string;
  readonly clientId: string;
  /** `undefined`: public client. */
  readonly clientSecret: string | undefined;
  readonly redirectUrl: string;
}

/** How the checks reach the network. */
export interface CheckIo {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

interface ErrorBody {
  readonly error?: string;
  readonly description?: string;
  /** Top-level `errorCode`, then `errors[0].errorCode`. */
  readonly codes: string[];
  readonly parameterName?: string;
}

async function readErrorBody(response: Response): Promise<ErrorBody> {
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await response.text());
    if (parsed !== null && typeof parsed === 'object') json = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: only the status is known.
  }
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value.slice(0, 300) : undefined;
  const first = Array.isArray(json.errors) ? (json.errors[0] as Record<string, unknown> | undefined) : undefined;
  const codes = [text(json.errorCode), text(first?.errorCode)].filter((c): c is string => c !== undefined);
  const error = text(json.error);
  const description = text(json.error_description) ?? text(json.message) ?? text(first?.message);
  const parameterName = text(first?.parameterName);
  return {
    codes,
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { description }),
    ...(parameterName === undefined ? {} : { parameterName }),
  };
}

function describe(body: ErrorBody, status: number): string {
  const code = body.codes.find((c) => /^[A-Z]{3}-\d{3}$/.test(c)) ?? body.codes[0];
  return [body.error, code, body.description].filter(Boolean).join(' ') || `HTTP ${status}`;
}

function unreachable(err: unknown, io: CheckIo): string {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${io.timeoutMs} ms`;
  const cause = (err as { cause?: { code?: string } } | null)?.cause?.code;
  return cause === undefined ? 'the connection failed' : `the connection failed (${cause})`;
}

/** `GET <server>/restapi/v1.0`: any HTTP answer means reachable. */
export async function checkServerReachable(target: RingCentralTarget, io: CheckIo): Promise<CheckResult> {
  const title = 'RingCentral server reachable';
  const started = performance.now();
  try {
    const response = await io.fetch(`${target.serverUrl}/restapi/v1.0`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(io.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    const ms = Math.round(performance.now() - started);
    return result('server', title, 'ok', `${target.serverUrl} answered HTTP ${response.status} in ${ms} ms`);
  } catch (err) {
    return result(
      'server',
      title,
      'fail',
      `${target.serverUrl}: ${unreachable(err, io)}`,
      'check RC_SERVER_URL (https://platform.ringcentral.com for production, https://platform.devtest.ringcentral.com for the sandbox) and this machine’s network or proxy',
    );
  }
}

async function tokenProbe(
  target: RingCentralTarget,
  io: CheckIo,
  asPublic: boolean,
): Promise<{ status: number; body: ErrorBody }> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: 'rc-authflow-doctor-made-up-code',
    redirect_uri: target.redirectUrl,
    code_verifier: randomBytes(32).toString('base64url'),
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (!asPublic && target.clientSecret !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${target.clientId}:${target.clientSecret}`).toString('base64')}`;
  } else {
    form.set('client_id', target.clientId);
  }
  const response = await io.fetch(`${target.serverUrl}/restapi/oauth/token`, {
    method: 'POST',
    headers,
    body: form,
    signal: AbortSignal.timeout(io.timeoutMs),
  });
  return { status: response.status, body: await readErrorBody(response) };
}

/** The token endpoint with a made-up code: are the client id and secret accepted? */
export async function checkClientCredentials(
  target: RingCentralTarget,
  io: CheckIo,
  context: ExplainContext,
): Promise<CheckResult> {
  const title = 'Client id and secret accepted';
  const kind = target.clientSecret === undefined ? 'public client, no secret' : 'client secret sent with HTTP Basic';
  let probe;
  try {
    probe = await tokenProbe(target, io, false);
  } catch (err) {
    return result('credentials', title, 'fail', `the token endpoint: ${unreachable(err, io)}`);
  }
  const { status, body } = probe;
  if (body.error === 'invalid_grant') {
    return result('credentials', title, 'ok', `RingCentral accepted client id "${target.clientId}" (${kind})`);
  }
  if (status === 429) {
    return result(
      'credentials',
      title,
      'warn',
      'RingCentral is rate-limiting token requests right now; run again in a minute',
    );
  }
  const refused = `RingCentral refused: ${describe(body, status)}`;
  if (body.codes.includes('OAU-146') && target.clientSecret !== undefined) {
    let publicProbe;
    try {
      publicProbe = await tokenProbe(target, io, true);
    } catch {
      publicProbe = undefined;
    }
    if (publicProbe?.body.error === 'invalid_grant') {
      return result(
        'credentials',
        title,
        'fail',
        `${refused}; without the secret the client id is accepted: this is a public (PKCE-only) app`,
        explainRingCentralError({ codes: ['OAU-146'] }, { ...context, publicClient: true })?.fix,
      );
    }
  }
  const explained = explainRingCentralError(
    { codes: [...body.codes, body.error], ...(body.description === undefined ? {} : { message: body.description }) },
    { ...context, publicClient: false },
  );
  return result(
    'credentials',
    title,
    'fail',
    status >= 500 ? `RingCentral answered HTTP ${status}` : refused,
    explained?.fix ?? (status >= 500 ? 'RingCentral had a problem; run the doctor again shortly' : undefined),
  );
}

/** The authorize endpoint with the redirect URI: is it registered for the app? */
export async function checkRedirectUri(
  target: RingCentralTarget,
  io: CheckIo,
  context: ExplainContext,
): Promise<CheckResult> {
  const title = 'Redirect URI registered';
  const url = new URL('/restapi/oauth/authorize', target.authorizeBaseUrl ?? target.serverUrl);
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: target.clientId,
    redirect_uri: target.redirectUrl,
    state: 'rc-authflow-doctor',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  let response: Response;
  try {
    response = await io.fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(io.timeoutMs) });
  } catch (err) {
    return result('redirect-uri', title, 'fail', `the authorize endpoint: ${unreachable(err, io)}`);
  }
  if (response.status >= 200 && response.status < 400) {
    const location = response.headers.get('location');
    await response.body?.cancel().catch(() => undefined);
    if (location !== null && location.startsWith(target.redirectUrl) && /[?&]error=/.test(location)) {
      const error = new URL(location).searchParams;
      return result(
        'redirect-uri',
        title,
        'fail',
        `RingCentral sent the browser back with "${error.get('error') ?? ''}: ${error.get('error_description') ?? ''}"`,
        explainRingCentralError({ message: error.get('error_description') ?? '' }, context)?.fix,
      );
    }
    return result('redirect-uri', title, 'ok', `RingCentral opens its login page for "${target.redirectUrl}"`);
  }
  const body = await readErrorBody(response);
  const explained = explainRingCentralError(
    { codes: body.codes, ...(body.description === undefined ? {} : { message: body.description }) },
    context,
  );
  return result(
    'redirect-uri',
    title,
    'fail',
    `RingCentral refused the login page for "${target.redirectUrl}": ${describe(body, response.status)}`,
    explained?.fix ?? explainRingCentralError({ codes: ['OAU-109'] }, context)?.fix,
  );
}
