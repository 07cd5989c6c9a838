/**
 * @module web/security-headers
 * The security headers of every response, computed ONCE at start with `helmet` and then copied onto each reply.
 * (`@fastify/helmet` rebuilds the helmet middleware and re-parses the CSP on every request; with a static policy —
 * no nonces: the pages use external scripts only — the result is the same for every response.)
 * @see https://helmetjs.github.io/
 * @see https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** What varies between deployments. */
export interface SecurityHeaderOptions {
  /** Origin of the RingCentral login page (the login form posts there and redirects back here). */
  readonly authorizeOrigin: string;
  /** Send HSTS (the app is served over https). */
  readonly https: boolean;
}

/** The header map (lower-case names) to set on every response. */
export function buildSecurityHeaders(options: SecurityHeaderOptions): Readonly<Record<string, string>> {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'", options.authorizeOrigin],
      },
    },
    // Popup login: the popup must be able to tell the page that opened it.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.https ? { maxAge: 15_552_000 } : false,
    xFrameOptions: { action: 'deny' },
  });
  const headers: Record<string, string> = {};
  const capture = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
      return capture;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  middleware({ headers: {} } as IncomingMessage, capture as unknown as ServerResponse, (err?: unknown) => {
    if (err instanceof Error) throw err;
  });
  return Object.freeze(headers);
}
